//! What `check` and `anonymise` print: a report for people or JSON with the same fields as
//! the gRPC responses.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::engine::entity::ByteSpan;
use crate::engine::text::Utf16Index;
use crate::policy::{AnonymiseReport, CheckReport, PolicyRef};

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn span_json(text: &str, index: &Utf16Index, span: ByteSpan, entity_type: &str, score: f32) -> Value {
    json!({
        "start": span.start,
        "end": span.end,
        "start_utf16": index.utf16(span.start),
        "end_utf16": index.utf16(span.end),
        "entity_type": entity_type,
        "score": score,
        "text": &text[span.start..span.end],
    })
}

fn policy_json(policy: &PolicyRef) -> Value {
    json!({ "id": policy.id, "version": policy.version, "sha256": policy.sha256 })
}

pub fn check_json(text: &str, report: &CheckReport, policy: &PolicyRef) -> String {
    let index = Utf16Index::new(text);
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "rule_id": f.rule_id,
                "category": f.category.as_str(),
                "severity": f.severity.as_str(),
                "message": f.message,
                "suggestion": f.suggestion,
                "guideline": { "code": f.guideline.code, "title": f.guideline.title, "url": f.guideline.url },
                "spans": f.spans.iter().map(|s| {
                    let ty = s.entity_type.map_or(s.cue, |t| t.as_str());
                    match report.locate(s.span) {
                        (None, local) => span_json(text, &index, local, ty, s.score),
                        (Some(field), local) => {
                            let mut v = span_json(&field.text, &Utf16Index::new(&field.text), local, ty, s.score);
                            v["field"] = json!(field.name);
                            v
                        }
                    }
                }).collect::<Vec<_>>(),
                "explanation": f.explanation,
            })
        })
        .collect();
    let value = json!({
        "verdict": report.verdict.as_str(),
        "findings": findings,
        "anonymised_text": report.anonymised_text,
        "reidentification_risk": report.reidentification_risk,
        "language": report.language.code(),
        "policy": policy_json(policy),
    });
    serde_json::to_string_pretty(&value).expect("json serialises")
}

pub fn check_human(text: &str, report: &CheckReport, policy: &PolicyRef) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  (policy {} {}, language {}, re-identification risk {:.2})",
        report.verdict,
        policy.id,
        policy.version,
        report.language.code(),
        report.reidentification_risk
    );
    if report.findings.is_empty() {
        let _ = writeln!(out, "  no findings");
    }
    for f in &report.findings {
        let _ = writeln!(out, "\n  {} {}  {}  [{}]", f.severity, f.rule_id, f.category, f.guideline.code);
        let _ = writeln!(out, "    {}", f.message);
        for s in &f.spans {
            let what = s.entity_type.map_or(s.cue, |t| t.as_str());
            match report.locate(s.span) {
                (None, local) => {
                    let (line, col) = line_col(text, local.start);
                    let _ = writeln!(out, "    at {line}:{col}  {what}  {:?}", &text[local.start..local.end]);
                }
                (Some(field), local) => {
                    let (line, col) = line_col(&field.text, local.start);
                    let _ = writeln!(
                        out,
                        "    in {} at {line}:{col}  {what}  {:?}",
                        field.name,
                        &field.text[local.start..local.end]
                    );
                }
            }
        }
        if !f.explanation.is_empty() {
            let _ = writeln!(out, "    why: {}", f.explanation);
        }
        let _ = writeln!(out, "    fix: {}", f.suggestion);
        if !f.guideline.url.is_empty() {
            let _ = writeln!(out, "    see: {}", f.guideline.url);
        }
    }
    if report.anonymised_text != text {
        let _ = writeln!(
            out,
            "\n  safer start for a rewrite:\n    {}",
            report.anonymised_text.trim_end().replace('\n', "\n    ")
        );
    }
    out
}

pub fn anonymise_json(text: &str, report: &AnonymiseReport, policy: &PolicyRef) -> String {
    let original = Utf16Index::new(text);
    let output = Utf16Index::new(&report.anonymised.text);
    let items: Vec<Value> = report
        .anonymised
        .items
        .iter()
        .map(|i| {
            let ty = i.entity_type.as_str();
            json!({
                "entity_type": ty,
                "operator": i.operator,
                "original": span_json(text, &original, i.original, ty, i.score),
                "anonymised": span_json(&report.anonymised.text, &output, i.anonymised, ty, i.score),
            })
        })
        .collect();
    let value = json!({
        "text": report.anonymised.text,
        "items": items,
        "language": report.language.code(),
        "policy": policy_json(policy),
    });
    serde_json::to_string_pretty(&value).expect("json serialises")
}
