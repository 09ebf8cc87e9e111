#!/usr/bin/env python3
"""Trims an unpacked cargo-leptos source (the version scripts/setup pins) to what this project uses.

cargo-leptos has no cargo features to leave parts out, yet three of its parts are more than half of
its build, and this project uses none of them: `cargo leptos new` (cargo-generate: git, templating,
~220 crates), the JS minifier (swc: ~170 crates; the JS is wasm-bindgen's glue, sent
brotli-compressed: `js-minify = false` in Cargo.toml and `--js-minify false` in scripts/lib/build.sh,
as cargo-leptos minifies if either says true) and downloading its helper tools (reqwest with its TLS
stack: ~70 crates; scripts/setup installs them, and the build runs with `--features no_downloads`
anyway). Dropping them takes the build from 806 to 351 crates; everything `build`, `watch`, `serve`
and `end-to-end` do stays as upstream wrote it. Each edit must match exactly once, or the script
fails and scripts/setup installs the full tool.

usage: lean_cargo_leptos.py <unpacked cargo-leptos directory>
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])


def edit(relative, pattern, replacement):
    path = root / relative
    text = path.read_text()
    edited, count = re.subn(pattern, replacement, text, count=1, flags=re.S)
    if count != 1:
        sys.exit(f"lean_cargo_leptos: {relative}: expected code not found: {pattern[:50]!r}")
    path.write_text(edited)


def replace_body(relative, signature, body_end, statements, message, args=""):
    """Replaces the body of the function whose first line matches `signature` (up to `body_end`)
    with `statements` and a statement that fails with `message` (and its format `args`): the part
    this build left out."""
    refusal = f'bail!("this cargo-leptos was built by the project\'s scripts/setup {message}"{args})'
    edit(relative, f"({signature}).*?{body_end}", r"\1" + statements + refusal.replace("\\", "\\\\") + body_end)


for dependency in ("cargo-generate", "swc", "swc_common"):
    edit("Cargo.toml", r'\n\[dependencies\.%s\]\nversion = "[^"]*"\n' % re.escape(dependency), "\n")
edit("Cargo.toml", r"\n\[dependencies\.reqwest\]\n(?:[^\[\n][^\n]*\n)*", "")

edit("src/command/new.rs", r"use cargo_generate::\{[^}]*\};\n", "")
replace_body(
    "src/command/new.rs",
    r"pub fn run\(self\) -> Result<\(\)> \{",
    "\n    }",
    "\n        let _ = (self, absolute_git_url(None));\n        ",
    "without `new`: `cargo install cargo-leptos` has it",
)

edit("src/compile/front.rs", r"use swc::\{.*?\};\nuse swc_common::[^;]*;\n", "")
replace_body(
    "src/compile/front.rs",
    r"fn minify<JS: AsRef<str>>\(js: JS\) -> Result<String> \{",
    "\n}",
    "\n    let _ = js;\n    ",
    "without a JS minifier: pass --js-minify false and set js-minify = false",
)

edit("src/ext/exe.rs", r"use reqwest::ClientBuilder;\n", "")
replace_body(
    "src/ext/exe.rs",
    r"    async fn fetch_archive\(&self\) -> Result<Bytes> \{",
    "\n    }\n",
    "\n        let _ = &GRAY;\n        ",
    "without downloads: install {} yourself",
    ", self.meta.name",
)
edit(
    "src/ext/exe.rs",
    r"(    async fn check_for_latest_version\(&self\) -> Option<String> \{).*?\n    \}\n\n    /// get the latest version",
    r"\1\n        None\n    }\n\n    /// get the latest version",
)
