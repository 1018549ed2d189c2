//! Copies the Apache ECharts runtime out of the `charming` crate's package
//! into OUT_DIR, so the binary can serve it from the built site's assets.
//!
//! The runtime is third-party minified code: it is never committed to this
//! repository, only taken from the registry package at build time.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const RUNTIME: &str = "src/asset/echarts-5.5.1.min.js";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    source_fingerprint();
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let package = charming_package_dir().unwrap_or_else(|| {
        panic!("cannot find the `charming` crate's package, which ships the ECharts runtime ({RUNTIME}); run `cargo fetch` first")
    });
    let runtime = package.join(RUNTIME);
    println!("cargo:rerun-if-changed={}", runtime.display());
    fs::copy(&runtime, out.join("echarts.min.js"))
        .unwrap_or_else(|error| panic!("cannot copy {}: {error}", runtime.display()));
}

/// Gives the binary a fingerprint of its own sources and built-in theme,
/// as `SITREP_SOURCE_FINGERPRINT`: a build keeps pages made by the same
/// sitrep only, and a sitrep built from changed sources is another one
/// even when its version number is the same.
fn source_fingerprint() {
    use std::hash::{Hash, Hasher};
    let mut files = Vec::new();
    for folder in ["src", "themes/default"] {
        println!("cargo:rerun-if-changed={folder}");
        collect_files(Path::new(folder), &mut files);
    }
    files.sort();
    let mut hasher = std::hash::DefaultHasher::new();
    for file in &files {
        file.hash(&mut hasher);
        fs::read(file).unwrap_or_default().hash(&mut hasher);
    }
    println!(
        "cargo:rustc-env=SITREP_SOURCE_FINGERPRINT={:016x}",
        hasher.finish()
    );
}

fn collect_files(folder: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// The folder of the `charming` package this build resolved, asked of
/// `cargo metadata` (offline, for this target only: other platforms' crates
/// may not be downloaded), or found in the registry cache as a fallback.
fn charming_package_dir() -> Option<PathBuf> {
    from_cargo_metadata().or_else(from_registry)
}

fn from_cargo_metadata() -> Option<PathBuf> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let manifest = Path::new(&env::var("CARGO_MANIFEST_DIR").ok()?).join("Cargo.toml");
    let target = env::var("TARGET").ok()?;
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
            &target,
            "--manifest-path",
        ])
        .arg(&manifest)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    metadata["packages"]
        .as_array()?
        .iter()
        .find(|package| package["name"] == "charming")
        .and_then(|package| package["manifest_path"].as_str())
        .and_then(|path| Path::new(path).parent().map(Path::to_path_buf))
        .filter(|dir| dir.join(RUNTIME).is_file())
}

fn from_registry() -> Option<PathBuf> {
    let home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))?;
    let mut candidates: Vec<PathBuf> = fs::read_dir(home.join("registry/src"))
        .ok()?
        .flatten()
        .flat_map(|index| fs::read_dir(index.path()).into_iter().flatten().flatten())
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("charming-0.6."))
        })
        .filter(|path| path.join(RUNTIME).is_file())
        .collect();
    candidates.sort();
    candidates.pop()
}
