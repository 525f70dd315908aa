//! A file's programming language from its name, for `get_pr_files`' `primary_language`
//! (which the seed's review pipeline hands to the code reviewer).
//!
//! Names are lower-case identifiers (`rust`, `typescript`, `cpp`), the form the seed's
//! `anthropic-claude.code_review` takes for `language`. Only source languages are listed:
//! documentation, data and lock files do not decide what a change is written in.

/// The language of `filename`, if it is source code we recognise.
pub(crate) fn of(filename: &str) -> Option<&'static str> {
    let base = filename.rsplit('/').next().unwrap_or(filename);
    match base {
        "Dockerfile" | "Containerfile" => return Some("dockerfile"),
        "Makefile" | "GNUmakefile" => return Some("makefile"),
        "CMakeLists.txt" => return Some("cmake"),
        _ => {}
    }
    let (_, extension) = base.rsplit_once('.')?;
    let language = match extension.to_ascii_lowercase().as_str() {
        "rs" => "rust",
        "py" | "pyi" => "python",
        "js" | "mjs" | "cjs" | "jsx" => "javascript",
        "ts" | "mts" | "cts" | "tsx" => "typescript",
        "go" => "go",
        "java" => "java",
        "kt" | "kts" => "kotlin",
        "scala" | "sc" => "scala",
        "c" | "h" => "c",
        "cc" | "cpp" | "cxx" | "hpp" | "hh" | "hxx" => "cpp",
        "cs" => "csharp",
        "fs" | "fsx" => "fsharp",
        "rb" => "ruby",
        "php" => "php",
        "swift" => "swift",
        "m" | "mm" => "objective-c",
        "dart" => "dart",
        "ex" | "exs" => "elixir",
        "erl" | "hrl" => "erlang",
        "hs" => "haskell",
        "clj" | "cljs" => "clojure",
        "lua" => "lua",
        "pl" | "pm" => "perl",
        "r" => "r",
        "jl" => "julia",
        "zig" => "zig",
        "sh" | "bash" | "zsh" => "shell",
        "ps1" | "psm1" => "powershell",
        "sql" => "sql",
        "vue" => "vue",
        "svelte" => "svelte",
        "html" | "htm" => "html",
        "css" | "scss" | "sass" | "less" => "css",
        "tf" | "hcl" => "hcl",
        "sol" => "solidity",
        "proto" => "protobuf",
        _ => return None,
    };
    Some(language)
}

#[cfg(test)]
mod tests {
    use super::of;

    #[test]
    fn languages_come_from_extensions_and_well_known_names() {
        assert_eq!(of("src/lib.rs"), Some("rust"));
        assert_eq!(of("web/App.TSX"), Some("typescript"));
        assert_eq!(of("deploy/Dockerfile"), Some("dockerfile"));
        assert_eq!(of("README.md"), None);
        assert_eq!(of("Cargo.lock"), None);
        assert_eq!(of("noextension"), None);
    }
}
