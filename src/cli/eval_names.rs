//! `riserbo eval-names`: measures the PERSON recogniser on gold-annotated text.
//!
//! - KIND-style files (`token<TAB>BIO-label`, a blank line between sentences): the tokens are
//!   joined back into text (no space before closing punctuation, none after an apostrophe),
//!   the default policy's analyzer runs on it, and every gold token is compared: a token is
//!   predicted PERSON when a `PERSON` or `PERSON_INITIALS` entity overlaps it. Token recall
//!   and precision per file and overall.
//! - `--e3c DIR`: E3C clinical case reports (JSON with a `text` field), which have no name
//!   annotation: prints, per document, the names and initials found and the health terms
//!   tagged, for a reader to check.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::engine::context::Language;
use crate::engine::entity::{ByteSpan, EntityType};
use crate::policy::PolicyStore;

#[derive(Debug, Args)]
pub(crate) struct EvalNamesArgs {
    /// Gold files: `token<TAB>label` per line (B-PER / I-PER mark people), blank line between sentences.
    files: Vec<PathBuf>,
    /// How many consecutive sentences make one text (1: every sentence alone, like a short post).
    #[arg(long, default_value_t = 1)]
    sentences_per_text: usize,
    /// Language of the texts.
    #[arg(long, default_value = "it")]
    language: String,
    /// A directory of E3C clinical case reports (JSON) to report names, initials and health terms in.
    #[arg(long)]
    e3c: Option<PathBuf>,
    /// Print the false positives and misses (gold files only).
    #[arg(long)]
    errors: bool,
    /// Exit with status 1 when overall recall or precision is below these.
    #[arg(long)]
    min_recall: Option<f64>,
    #[arg(long)]
    min_precision: Option<f64>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    gold: usize,
    predicted: usize,
    correct: usize,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.gold += other.gold;
        self.predicted += other.predicted;
        self.correct += other.correct;
    }

    fn recall(&self) -> f64 {
        if self.gold == 0 { 1.0 } else { self.correct as f64 / self.gold as f64 }
    }

    fn precision(&self) -> f64 {
        if self.predicted == 0 { 1.0 } else { self.correct as f64 / self.predicted as f64 }
    }
}

struct Token {
    text: String,
    person: bool,
}

pub(crate) fn run(args: EvalNamesArgs) -> Result<ExitCode> {
    let language = match Language::from_code(&args.language) {
        Some(l) => l,
        None => bail!("--language: unsupported language {:?}", args.language),
    };
    if args.files.is_empty() && args.e3c.is_none() {
        bail!("give gold files, --e3c DIR, or both");
    }
    let store = PolicyStore::with_default();
    let policy = store.get("")?;
    let engine = &policy.engine;

    let mut total = Counts::default();
    if !args.files.is_empty() {
        println!("{:<28} {:>7} {:>7} {:>7} {:>8} {:>9}", "file", "gold", "found", "correct", "recall", "precision");
    }
    for path in &args.files {
        let sentences = read_gold(path)?;
        let mut counts = Counts::default();
        for chunk in sentences.chunks(args.sentences_per_text.max(1)) {
            let tokens: Vec<&Token> = chunk.iter().flatten().collect();
            let (text, ranges) = detokenise(&tokens);
            let analysis = engine.analyze(&text, Some(language), None);
            let people: Vec<(ByteSpan, f32)> = analysis
                .entities
                .iter()
                .filter(|e| matches!(e.entity_type, EntityType::Person | EntityType::PersonInitials))
                .map(|e| (e.span, e.score))
                .collect();
            for (token, range) in tokens.iter().zip(&ranges) {
                let entity = people.iter().find(|(p, _)| p.overlaps(range));
                let predicted = entity.is_some();
                counts.gold += usize::from(token.person);
                counts.predicted += usize::from(predicted);
                counts.correct += usize::from(predicted && token.person);
                if args.errors && predicted != token.person {
                    let kind = if predicted { "FP" } else { "FN" };
                    let found = entity
                        .map_or(String::new(), |(span, score)| format!("[{} {score:.2}]", &text[span.start..span.end]));
                    println!("  {kind} {:<20} | {} {found}", token.text, context_line(&text, *range));
                }
            }
        }
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        println!(
            "{:<28} {:>7} {:>7} {:>7} {:>8.3} {:>9.3}",
            name,
            counts.gold,
            counts.predicted,
            counts.correct,
            counts.recall(),
            counts.precision()
        );
        total.add(counts);
    }
    if args.files.len() > 1 {
        println!(
            "{:<28} {:>7} {:>7} {:>7} {:>8.3} {:>9.3}",
            "all",
            total.gold,
            total.predicted,
            total.correct,
            total.recall(),
            total.precision()
        );
    }
    if let Some(dir) = &args.e3c {
        report_e3c(engine, dir, language)?;
    }
    let failed = args.min_recall.is_some_and(|m| total.recall() < m)
        || args.min_precision.is_some_and(|m| total.precision() < m);
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn read_gold(path: &Path) -> Result<Vec<Vec<Token>>> {
    let content = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut sentences = Vec::new();
    let mut current = Vec::new();
    for (n, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                sentences.push(std::mem::take(&mut current));
            }
            continue;
        }
        let Some((token, label)) = line.split_once('\t') else {
            bail!("{}:{}: expected token<TAB>label", path.display(), n + 1);
        };
        current.push(Token { text: token.to_owned(), person: label.ends_with("-PER") });
    }
    if !current.is_empty() {
        sentences.push(current);
    }
    Ok(sentences)
}

/// Joins tokens into text as a writer would and returns each token's byte range.
fn detokenise(tokens: &[&Token]) -> (String, Vec<ByteSpan>) {
    let mut text = String::new();
    let mut ranges = Vec::with_capacity(tokens.len());
    let mut glue_next = true;
    for token in tokens {
        let t = token.text.as_str();
        let closing = matches!(t, "." | "," | ";" | ":" | "!" | "?" | ")" | "]" | "»" | "”" | "%" | "...");
        if !text.is_empty() && !glue_next && !closing {
            text.push(' ');
        }
        let start = text.len();
        text.push_str(t);
        ranges.push(ByteSpan::new(start, text.len()));
        glue_next = t.ends_with('\'') || t.ends_with('’') || matches!(t, "(" | "[" | "«" | "“");
    }
    (text, ranges)
}

fn context_line(text: &str, range: ByteSpan) -> String {
    let start = text[..range.start].char_indices().rev().nth(40).map_or(0, |(i, _)| i);
    let end = text[range.end..].char_indices().nth(40).map_or(text.len(), |(i, _)| range.end + i);
    text[start..end].replace('\n', " ")
}

fn report_e3c(engine: &crate::engine::Engine, dir: &Path, language: Language) -> Result<()> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let (mut docs, mut with_people, mut health_terms, mut health_docs) = (0, 0, 0, 0);
    for path in &paths {
        let raw = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let json: serde_json::Value =
            serde_json::from_str(&raw).with_context(|| format!("parsing {}", path.display()))?;
        let Some(text) = json.get("text").and_then(|t| t.as_str()) else {
            continue;
        };
        docs += 1;
        let analysis = engine.analyze(text, Some(language), None);
        let value = |ty: &[EntityType]| -> Vec<&str> {
            analysis.entities.iter().filter(|e| ty.contains(&e.entity_type)).map(|e| e.value(text)).collect()
        };
        let people = value(&[EntityType::Person, EntityType::PersonInitials]);
        let health = value(&[EntityType::HealthCondition, EntityType::Treatment]);
        with_people += usize::from(!people.is_empty());
        health_terms += health.len();
        health_docs += usize::from(!health.is_empty());
        let name = path.file_stem().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let mut distinct_health: Vec<String> = health.iter().map(|h| h.to_lowercase()).collect();
        distinct_health.sort();
        distinct_health.dedup();
        println!(
            "{name}: people {:?}; health terms {} ({})",
            people,
            health.len(),
            distinct_health.iter().take(12).cloned().collect::<Vec<_>>().join(", ")
        );
    }
    println!(
        "e3c: {docs} documents, {with_people} with a person or initials found, {health_docs} with health terms ({health_terms} terms)"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gold(lines: &str) -> Vec<Vec<Token>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gold.tsv");
        std::fs::write(&path, lines).unwrap();
        read_gold(&path).unwrap()
    }

    #[test]
    fn tokens_are_joined_as_written_and_keep_their_offsets() {
        let sentences =
            gold("Ieri\tO\nl'\tO\navvocato\tO\nMario\tB-PER\nRossi\tI-PER\n,\tO\n«\tO\nbravo\tO\n»\tO\n.\tO\n");
        let tokens: Vec<&Token> = sentences.iter().flatten().collect();
        let (text, ranges) = detokenise(&tokens);
        assert_eq!(text, "Ieri l'avvocato Mario Rossi, «bravo».");
        for (token, range) in tokens.iter().zip(&ranges) {
            assert_eq!(&text[range.start..range.end], token.text);
        }
        assert_eq!(tokens.iter().filter(|t| t.person).count(), 2);
    }

    #[test]
    fn sentences_split_on_blank_lines_and_bad_lines_are_errors() {
        assert_eq!(gold("Ciao\tO\nAnna\tB-PER\n\nGrazie\tO\n").len(), 2);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.tsv");
        std::fs::write(&path, "no label here\n").unwrap();
        assert!(read_gold(&path).is_err());
    }

    #[test]
    fn recall_and_precision_count_tokens() {
        let c = Counts { gold: 4, predicted: 5, correct: 3 };
        assert!((c.recall() - 0.75).abs() < 1e-9 && (c.precision() - 0.6).abs() < 1e-9);
        assert_eq!(Counts::default().recall(), 1.0);
    }
}
