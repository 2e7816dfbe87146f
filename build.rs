//! Stamps the build with the git commit it was made from
//! (`SCRAPEWATCH_BUILD`, recorded in run manifests), or `unknown` when
//! git or the repository is absent (a crate tarball): never the clock or
//! the machine, so the same source builds the same binary.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SCRAPEWATCH_BUILD");
    let commit = std::env::var("SCRAPEWATCH_BUILD")
        .ok()
        .or_else(|| git(&["rev-parse", "HEAD"]));
    // Rebuild when HEAD moves: HEAD itself (a checkout) and the branch it
    // names (a commit), wherever a worktree keeps them.
    for path in ["HEAD", "packed-refs"]
        .into_iter()
        .filter_map(|p| git(&["rev-parse", "--git-path", p]))
        .chain(
            git(&["symbolic-ref", "-q", "HEAD"])
                .and_then(|r| git(&["rev-parse", "--git-path", &r])),
        )
    {
        if std::path::Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!(
        "cargo:rustc-env=SCRAPEWATCH_BUILD={}",
        commit.as_deref().unwrap_or("unknown")
    );
}
