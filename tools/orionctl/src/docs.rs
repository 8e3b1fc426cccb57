// SPDX-License-Identifier: GPL-2.0

//! Man pages (clap_mangen) and shell completions (clap_complete) from the
//! clap definitions.

use crate::cli::Cli;
use crate::error::{Error, Result};
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::Path;

/// Prints a completion script.
pub fn completions(shell: Shell) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "orionctl", &mut std::io::stdout());
}

fn write(path: &Path, data: &[u8]) -> Result<()> {
    std::fs::write(path, data).map_err(|e| Error::io("write", path, &e))
}

/// Writes orionctl.1, one page per subcommand (orionctl-host-scan.1, ...)
/// and the bash, zsh and fish completions into `dir`.
pub fn generate(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, &e))?;
    let cmd = Cli::command();
    clap_mangen::generate_to(cmd.clone(), dir)
        .map_err(|e| Error::io("write man pages in", dir, &e))?;
    for (shell, name) in [
        (Shell::Bash, "orionctl.bash"),
        (Shell::Zsh, "_orionctl"),
        (Shell::Fish, "orionctl.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd.clone(), "orionctl", &mut buf);
        write(&dir.join(name), &buf)?;
    }
    Ok(())
}
