//! The benchmark corpus (`benches/corpus/posts.jsonl`, written by `benches/corpus/generate.py`),
//! shared by the engine benches and the load generator.

#![allow(dead_code)] // each bench uses a different part

use std::path::Path;

/// One post of the corpus. Only `text` is required, so other files of JSON posts (the
/// evaluation sets, for the latency bench's `--unseen` rows) load too.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Post {
    #[serde(default)]
    pub id: String,
    #[serde(default, alias = "lang")]
    pub language: String,
    /// `clean`, `some` (one name or identifier) or `dense`.
    #[serde(default)]
    pub kind: String,
    pub text: String,
}

/// The corpus file, relative to the crate root.
pub const CORPUS: &str = "benches/corpus/posts.jsonl";

/// Reads a corpus file (one JSON post a line).
pub fn load(path: &Path) -> Vec<Post> {
    let data = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    data.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

/// The project's corpus.
pub fn corpus() -> Vec<Post> {
    load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS))
}

/// `text` cut to at most `bytes` bytes, at the last space before the limit.
pub fn cut(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[..end].rfind(' ') {
        Some(space) if space > 0 => &text[..space],
        _ => &text[..end],
    }
}

/// Posts of the corpus cut to about `bytes` bytes: those at least that long, cut at a word
/// boundary, so every one is between `bytes * 0.9` and `bytes`.
pub fn posts_of_size(posts: &[Post], bytes: usize) -> Vec<String> {
    posts
        .iter()
        .filter(|p| p.text.len() >= bytes)
        .map(|p| cut(&p.text, bytes).to_owned())
        .filter(|t| t.len() * 10 >= bytes * 9)
        .collect()
}

/// Percentile `q` (0..=1) of sorted `values`.
pub fn percentile<T: Copy>(sorted: &[T], q: f64) -> T {
    let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}
