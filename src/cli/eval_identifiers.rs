//! `riserbo eval-identifiers`: measures the identifier recognisers.
//!
//! - On test vectors (`identifiers.jsonl`: one JSON object per line with `kind`, `text`,
//!   `valid` and optional `expected_spans`): every vector is embedded in Italian and English
//!   sentences, some with the label people write before such a number ("partita IVA",
//!   "NHS number") and two without any ("Here are the details you asked for: …"). A valid
//!   vector counts as found when an entity of its kind covers each expected value (the
//!   whole vector when it has no `expected_spans`; values whose `checks.per_span`
//!   re-check failed are not expected) and stays inside it; an invalid vector
//!   counts as flagged when any entity of its kind overlaps it. Figures are per
//!   (vector, sentence) pair. The file is read where it lies; nothing is special-cased, so a
//!   held-out file in the same format is scored the same way.
//! - On clean text (`--clean DIR`: JSON documents with a `text` field, e.g. E3C clinical case
//!   reports): counts of identifier entities per document and type. Values are printed
//!   only with `--show-values`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Deserialize;

use crate::engine::entity::{ByteSpan, Entity, EntityType};
use crate::policy::{CompiledPolicy, default_policy};

#[derive(Debug, Args)]
pub(crate) struct EvalIdentifiersArgs {
    /// Test vectors, one JSON object per line (kind, text, valid, optional expected_spans).
    pub path: Option<PathBuf>,
    /// A directory of JSON documents with a "text" field that contain no identifiers: report
    /// the identifier entities found in each (counts only).
    #[arg(long, value_name = "DIR")]
    pub clean: Option<PathBuf>,
    /// With --clean, also print each entity's value (the documents' own text).
    #[arg(long)]
    pub show_values: bool,
    /// List every missed valid vector and every flagged invalid one.
    #[arg(long)]
    pub verbose: bool,
    /// Exit with status 1 when a kind misses a target (valid found < 99% with labels,
    /// invalid flagged > 2%).
    #[arg(long)]
    pub strict: bool,
    /// Also write every (vector, sentence) pair with Riserbo's outcome as JSON lines, for
    /// scoring another tool on the same sentences (`scripts/presidio_compare.py`).
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
}

/// One test vector as the file gives it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Vector {
    pub kind: String,
    pub text: String,
    pub valid: bool,
    /// Character offsets of the values in `text`, when the vector is a sentence.
    #[serde(default)]
    pub expected_spans: Option<Vec<[usize; 2]>>,
    /// Independent re-checks; `per_span` entries say whether each expected value passed.
    #[serde(default)]
    pub checks: Option<serde_json::Value>,
}

impl Vector {
    /// The expected spans (character offsets) whose value passed every independent re-check.
    /// A source may expect a value that fails its checksum (Presidio keeps such fiscal codes
    /// at a low score; Riserbo rejects them by design), so those are not expected here.
    fn checked_spans(&self) -> Option<Vec<[usize; 2]>> {
        let spans = self.expected_spans.as_ref()?;
        let per_span = self.checks.as_ref().and_then(|c| c.get("per_span")).and_then(|p| p.as_array());
        let failed = |span: &[usize; 2]| {
            per_span.is_some_and(|entries| {
                entries.iter().any(|entry| {
                    let same = entry.get("span").and_then(|s| s.as_array()).is_some_and(|s| {
                        s.len() == 2 && s[0].as_u64() == Some(span[0] as u64) && s[1].as_u64() == Some(span[1] as u64)
                    });
                    same && entry.as_object().is_some_and(|o| o.values().any(|v| v.as_bool() == Some(false)))
                })
            })
        };
        Some(spans.iter().filter(|s| !failed(s)).copied().collect())
    }
}

/// Sentences a vector is embedded in: `{}` is replaced by the vector.
struct Templates {
    /// With the label people write before such a number.
    labelled: &'static [&'static str],
}

/// Sentences with no label at all: only formats that stand alone are found in them.
const BARE: &[&str] = &[
    "Ecco i dati che mi hai chiesto: {}. Fammi sapere se va bene.",
    "Here are the details you asked for: {}. Let me know.",
];

fn templates(kind: EntityType) -> Templates {
    use EntityType::*;
    let labelled: &'static [&'static str] = match kind {
        ItFiscalCode => &[
            "Il codice fiscale del paziente è {}, grazie.",
            "Per la fattura mi serve il CF: {}.",
            "Her Italian tax code is {} as on the card.",
            "Fiscal code: {}, please check it.",
        ],
        ItVatCode => &[
            "Fattura intestata allo studio, partita IVA {}.",
            "P.IVA {} - grazie per il pagamento.",
            "Our VAT number is {}, please add it to the invoice.",
            "Invoice details: VAT {}.",
        ],
        IbanCode => &[
            "Per il bonifico usate l'IBAN {} intestato a lui.",
            "Mi fai il bonifico su questo conto corrente: {}?",
            "Please pay to IBAN {} by Friday.",
            "My bank account is {}, thanks.",
        ],
        PhoneNumber => &[
            "Chiamami al {} quando puoi.",
            "Il mio cellulare è {}, scrivimi su WhatsApp.",
            "Call me on {} any time.",
            "My phone number is {}, text me.",
        ],
        ItHealthCard => &[
            "Numero della tessera sanitaria: {}.",
            "Porta la tessera sanitaria n. {} alla visita.",
            "Her Italian health card number is {}.",
            "TEAM card {} expires next year.",
        ],
        ItIdentityCard => &[
            "Carta d'identità n. {} rilasciata dal Comune di Bergamo.",
            "Ha lasciato in reception il documento di identità {}.",
            "Her Italian identity card number is {}.",
            "ID card: {}, issued in Rome.",
        ],
        ItPassport => &[
            "Passaporto n. {} rilasciato dalla Questura di Milano.",
            "Il numero di passaporto del paziente è {}.",
            "His Italian passport number is {}.",
            "Italian passport {} expires next year.",
        ],
        UkPassport => &[
            "Il passaporto britannico del paziente è {}.",
            "Passaporto inglese n. {}, valido fino al 2030.",
            "My passport number is {} and it expires soon.",
            "UK passport no. {} was left at reception.",
        ],
        ItDriverLicense => &[
            "Patente di guida n. {} rilasciata a Roma.",
            "Il numero della patente è {}.",
            "Her Italian driving licence number is {}.",
            "Driver's license {} on file.",
        ],
        UkNhs => &[
            "Il numero NHS della paziente è {}.",
            "NHS no. {} per la lettera di dimissione.",
            "Reminder for Olivia, NHS number {}.",
            "Her NHS number is {}, please update the record.",
        ],
        UkNino => &[
            "Numero di National Insurance: {}.",
            "Il suo NI number è {}.",
            "Her National Insurance number is {}.",
            "NI number {} on the form.",
        ],
        UkPostcode => &[
            "Abita a Londra, postcode {}.",
            "L'indirizzo nel Regno Unito ha il codice postale {}.",
            "She lives at 10 Downing Street, {}.",
            "My postcode is {}.",
        ],
        UkDrivingLicence => &[
            "Patente britannica n. {}.",
            "Il numero della patente inglese è {}.",
            "Driving licence: {}.",
            "Her DVLA licence number is {}.",
        ],
        CreditCard => &[
            "Pagamento con carta di credito {}.",
            "Il numero della carta è {}.",
            "Card number {}, expiry next year.",
            "Please charge my Visa {}.",
        ],
        EmailAddress => &["Scrivimi a {}.", "La sua email è {}.", "Email me at {}.", "Her address is {}."],
        MedicalRecordNumber => &[
            "Cartella clinica n. {} aperta oggi.",
            "Nosologico {} in archivio.",
            "MRN {} seen today.",
            "Hospital number {} for the referral.",
        ],
        _ => &["Dato: {}.", "Il valore è {}.", "Value: {}.", "It is {}."],
    };
    Templates { labelled }
}

/// A vector placed in a sentence: the sentence and the byte spans of the values in it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Embedded {
    pub text: String,
    /// Where the vector's text lies in `text`.
    pub region: ByteSpan,
    /// The expected values (trimmed), in `text`.
    pub expected: Vec<ByteSpan>,
}

/// Places `vector` in `template` (which contains one `{}`).
pub(crate) fn embed(vector: &Vector, template: &str) -> Result<Embedded> {
    let (before, after) = template.split_once("{}").context("template without {}")?;
    let text = format!("{before}{}{after}", vector.text);
    let offset = before.len();
    let region = ByteSpan::new(offset, offset + vector.text.len());
    let spans: Vec<(usize, usize)> = match vector.checked_spans() {
        Some(spans) => spans
            .iter()
            .map(|&[start, end]| Ok((char_to_byte(&vector.text, start)?, char_to_byte(&vector.text, end)?)))
            .collect::<Result<_>>()?,
        None => vec![(0, vector.text.len())],
    };
    let expected = spans
        .into_iter()
        .filter_map(|(start, end)| {
            let value = vector.text.get(start..end)?;
            let trimmed_start = start + (value.len() - value.trim_start().len());
            let trimmed_end = start + value.trim_end().len();
            (trimmed_start < trimmed_end).then(|| ByteSpan::new(offset + trimmed_start, offset + trimmed_end))
        })
        .collect();
    Ok(Embedded { text, region, expected })
}

fn char_to_byte(text: &str, chars: usize) -> Result<usize> {
    if chars == text.chars().count() {
        return Ok(text.len());
    }
    text.char_indices().nth(chars).map(|(i, _)| i).with_context(|| format!("span offset {chars} outside {text:?}"))
}

/// Whether every expected value is covered by an entity of `kind` that stays inside the
/// vector.
pub(crate) fn is_found(embedded: &Embedded, entities: &[Entity], kind: EntityType) -> bool {
    !embedded.expected.is_empty()
        && embedded.expected.iter().all(|want| {
            entities.iter().any(|e| e.entity_type == kind && e.span.contains(want) && embedded.region.contains(&e.span))
        })
}

/// Whether any entity of `kind` overlaps the vector.
pub(crate) fn is_flagged(embedded: &Embedded, entities: &[Entity], kind: EntityType) -> bool {
    entities.iter().any(|e| e.entity_type == kind && e.span.overlaps(&embedded.region))
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    hits: usize,
    total: usize,
}

impl Tally {
    fn add(&mut self, hit: bool) {
        self.total += 1;
        self.hits += usize::from(hit);
    }

    fn percent(self) -> Option<f64> {
        (self.total > 0).then(|| 100.0 * self.hits as f64 / self.total as f64)
    }

    fn cell(self) -> String {
        match self.percent() {
            Some(p) => format!("{}/{} ({p:.1}%)", self.hits, self.total),
            None => "-".to_owned(),
        }
    }
}

#[derive(Debug, Default)]
struct KindScore {
    valid_vectors: usize,
    invalid_vectors: usize,
    found_labelled: Tally,
    found_bare: Tally,
    flagged: Tally,
}

pub(crate) fn run(args: EvalIdentifiersArgs) -> Result<ExitCode> {
    if args.path.is_none() && args.clean.is_none() {
        bail!("give a test-vector file, --clean DIR, or both");
    }
    let policy = default_policy();
    let mut ok = true;
    if let Some(path) = &args.path {
        ok &= eval_vectors(&policy, path, &args)?;
    }
    if let Some(dir) = &args.clean {
        if args.path.is_some() {
            println!();
        }
        eval_clean(&policy, dir, args.show_values)?;
    }
    Ok(if ok || !args.strict { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn read_vectors(path: &Path) -> Result<Vec<Vector>> {
    let data = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    data.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).with_context(|| format!("{}:{}: not a test vector", path.display(), i + 1))
        })
        .collect()
}

fn eval_vectors(policy: &CompiledPolicy, path: &Path, args: &EvalIdentifiersArgs) -> Result<bool> {
    let vectors = read_vectors(path)?;
    let supported = policy.engine.analyzer().entity_types();
    let mut scores: BTreeMap<String, KindScore> = BTreeMap::new();
    let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
    let mut details = String::new();
    let mut export = String::new();
    for vector in &vectors {
        let Some(kind) = EntityType::built_in(&vector.kind).filter(|k| supported.contains(k)) else {
            *unknown.entry(vector.kind.clone()).or_default() += 1;
            continue;
        };
        let score = scores.entry(vector.kind.clone()).or_default();
        if vector.valid {
            score.valid_vectors += 1;
        } else {
            score.invalid_vectors += 1;
        }
        let labelled = templates(kind).labelled.iter().map(|t| (t, true));
        for (template, is_labelled) in labelled.chain(BARE.iter().map(|t| (t, false))) {
            let embedded = embed(vector, template)?;
            let analysis = policy.engine.analyze(&embedded.text, None, None);
            let entities = &analysis.entities;
            if args.export.is_some() {
                export_line(&mut export, vector, kind, is_labelled, &embedded, entities);
            }
            if vector.valid {
                let found = is_found(&embedded, entities, kind);
                if is_labelled {
                    score.found_labelled.add(found);
                } else {
                    score.found_bare.add(found);
                }
                if !found && is_labelled && args.verbose {
                    let _ = writeln!(
                        details,
                        "  missed  {:<20} {:?} -> {}",
                        vector.kind,
                        embedded.text,
                        describe(&embedded.text, entities)
                    );
                }
            } else {
                let flagged = is_flagged(&embedded, entities, kind);
                score.flagged.add(flagged);
                if flagged && args.verbose {
                    let _ = writeln!(
                        details,
                        "  flagged {:<20} {:?} -> {}",
                        vector.kind,
                        embedded.text,
                        describe(&embedded.text, entities)
                    );
                }
            }
        }
    }

    if let Some(file) = &args.export {
        std::fs::write(file, export).with_context(|| format!("writing {}", file.display()))?;
    }
    println!("Identifier test vectors: {} ({} records)", path.display(), vectors.len());
    println!(
        "Each vector in {} labelled and {} unlabelled Italian/English sentences; figures per (vector, sentence).",
        4,
        BARE.len()
    );
    println!();
    println!("| kind | valid | found, labelled | found, no label | invalid | flagged |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut ok = true;
    for (kind, s) in &scores {
        println!(
            "| {kind} | {} | {} | {} | {} | {} |",
            s.valid_vectors,
            s.found_labelled.cell(),
            s.found_bare.cell(),
            s.invalid_vectors,
            s.flagged.cell()
        );
        ok &= s.found_labelled.percent().is_none_or(|p| p >= 99.0) && s.flagged.percent().is_none_or(|p| p <= 2.0);
    }
    for (kind, count) in &unknown {
        println!("| {kind} | {count} records, not a type this engine produces | | | | |");
    }
    if !details.is_empty() {
        println!();
        print!("{details}");
    }
    println!();
    println!(
        "Targets (labelled sentences): valid found >= 99%, invalid flagged <= 2%: {}",
        if ok { "met" } else { "NOT met" }
    );
    Ok(ok)
}

/// One JSON line of `--export`: the sentence, where the vector and its expected values are
/// (in characters, as Python indexes strings) and whether Riserbo found or flagged it.
fn export_line(
    out: &mut String,
    vector: &Vector,
    kind: EntityType,
    labelled: bool,
    embedded: &Embedded,
    entities: &[Entity],
) {
    let chars = |byte: usize| embedded.text[..byte].chars().count();
    let span = |s: &ByteSpan| [chars(s.start), chars(s.end)];
    let line = serde_json::json!({
        "kind": kind.as_str(),
        "valid": vector.valid,
        "labelled": labelled,
        "text": embedded.text,
        "region": span(&embedded.region),
        "expected": embedded.expected.iter().map(span).collect::<Vec<_>>(),
        "riserbo": if vector.valid { is_found(embedded, entities, kind) } else { is_flagged(embedded, entities, kind) },
    });
    let _ = writeln!(out, "{line}");
}

/// The entities of a sentence, for the verbose listing of public test vectors.
fn describe(text: &str, entities: &[Entity]) -> String {
    if entities.is_empty() {
        return "nothing".to_owned();
    }
    entities
        .iter()
        .map(|e| format!("{} {:?} {:.2}", e.entity_type, e.value(text), e.score))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Entity types whose false positives this command measures on clean text: every type the
/// identifier recognisers produce (names, ages, places, occupations, relative times, traits and
/// health terms come from other recognisers and are measured by `eval-names` and `eval`).
fn is_identifier_type(ty: EntityType) -> bool {
    !matches!(
        ty,
        EntityType::Person
            | EntityType::PersonInitials
            | EntityType::Age
            | EntityType::Location
            | EntityType::Address
            | EntityType::Occupation
            | EntityType::RelativeTime
            | EntityType::DistinctiveTrait
            | EntityType::HealthCondition
            | EntityType::Treatment
    )
}

#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    id: Option<String>,
    text: String,
}

fn eval_clean(policy: &CompiledPolicy, dir: &Path, show_values: bool) -> Result<()> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        bail!("{}: no .json documents", dir.display());
    }
    let mut totals: BTreeMap<EntityType, usize> = BTreeMap::new();
    let mut bytes = 0usize;
    let mut with_non_date = 0usize;
    println!("Clean text: {} ({} documents)", dir.display(), paths.len());
    println!();
    for path in &paths {
        let data = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let doc: Document =
            serde_json::from_str(&data).with_context(|| format!("{}: no \"text\" field", path.display()))?;
        bytes += doc.text.len();
        let analysis = policy.engine.analyze(&doc.text, None, None);
        let found: Vec<&Entity> = analysis.entities.iter().filter(|e| is_identifier_type(e.entity_type)).collect();
        let mut counts: BTreeMap<EntityType, usize> = BTreeMap::new();
        for e in &found {
            *counts.entry(e.entity_type).or_default() += 1;
            *totals.entry(e.entity_type).or_default() += 1;
        }
        if counts.keys().any(|&t| t != EntityType::DateTime) {
            with_non_date += 1;
        }
        if counts.is_empty() {
            continue;
        }
        let name = doc.id.unwrap_or_else(|| path.file_stem().unwrap_or_default().to_string_lossy().into_owned());
        let list: Vec<String> = counts.iter().map(|(t, n)| format!("{t} {n}")).collect();
        println!("  {name}: {}", list.join(", "));
        if show_values {
            for e in found {
                println!("      {} {:?}", e.entity_type, e.value(&doc.text));
            }
        }
    }
    println!();
    let list: Vec<String> = totals.iter().map(|(t, n)| format!("{t} {n}")).collect();
    println!(
        "{} documents, {} KiB: identifier entities {}; documents with an identifier other than a date: {}",
        paths.len(),
        bytes / 1024,
        if list.is_empty() { "none".to_owned() } else { list.join(", ") },
        with_non_date
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::entity::Role;

    fn vector(text: &str, valid: bool, spans: Option<Vec<[usize; 2]>>) -> Vector {
        Vector { kind: "UK_NHS".into(), text: text.into(), valid, expected_spans: spans, checks: None }
    }

    fn entity(start: usize, end: usize, ty: EntityType) -> Entity {
        Entity { span: ByteSpan::new(start, end), entity_type: ty, score: 1.0, role: Role::Unknown, recogniser: "test" }
    }

    #[test]
    fn embedding_offsets_and_trims_expected_values() {
        let e = embed(&vector("  943 476 5919 ", true, None), "NHS no. {}.").unwrap();
        assert_eq!(&e.text[e.expected[0].start..e.expected[0].end], "943 476 5919");
        let e = embed(&vector("nhs è 943 476 5919", true, Some(vec![[6, 18]])), "Dati: {}").unwrap();
        assert_eq!(&e.text[e.expected[0].start..e.expected[0].end], "943 476 5919");
    }

    #[test]
    fn values_that_fail_an_independent_check_are_not_expected() {
        let mut v = vector("9434765919 and 9434765918", true, Some(vec![[0, 10], [15, 25]]));
        v.checks = Some(serde_json::json!({"per_span": [
            {"span": [0, 10], "value": "9434765919", "nhs": true},
            {"span": [15, 25], "value": "9434765918", "nhs": false}
        ]}));
        let e = embed(&v, "{}").unwrap();
        assert_eq!(e.expected, [ByteSpan::new(0, 10)]);
    }

    #[test]
    fn found_needs_the_right_type_covering_the_value_inside_the_vector() {
        let e = embed(&vector("943 476 5919", true, None), "NHS no. {}.").unwrap();
        let (s, t) = (e.region.start, e.region.end);
        assert!(is_found(&e, &[entity(s, t, EntityType::UkNhs)], EntityType::UkNhs));
        assert!(!is_found(&e, &[entity(s, t, EntityType::PhoneNumber)], EntityType::UkNhs));
        assert!(!is_found(&e, &[entity(s + 4, t, EntityType::UkNhs)], EntityType::UkNhs));
        assert!(!is_found(&e, &[entity(0, t, EntityType::UkNhs)], EntityType::UkNhs));
        assert!(is_flagged(&e, &[entity(s + 4, t, EntityType::UkNhs)], EntityType::UkNhs));
        assert!(!is_flagged(&e, &[entity(0, 3, EntityType::UkNhs)], EntityType::UkNhs));
    }
}
