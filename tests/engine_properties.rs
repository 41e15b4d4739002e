//! Property tests of the engine's invariants, on arbitrary text and on text assembled from
//! identifier-shaped fragments (so recognisers actually fire).

use std::sync::OnceLock;

use proptest::prelude::*;
use riserbo::Limits;
use riserbo::anonymise::KeyContext;
use riserbo::engine::context::PostContext;
use riserbo::engine::text::Utf16Index;
use riserbo::policy::{AnonymiseInput, CompiledPolicy, default_policy};

fn policy() -> &'static CompiledPolicy {
    static POLICY: OnceLock<CompiledPolicy> = OnceLock::new();
    POLICY.get_or_init(default_policy)
}

const FRAGMENTS: &[&str] = &[
    "la sig.ra Lucia Fontana",
    "Mr. David O'Connor",
    "paziente Mario Gentile",
    "dott.ssa Chiara D'Angelo",
    "RSSMRA80A01H501U",
    "rssmra80a01h501u",
    "FNTLCU64E52L378C",
    "IT60X0542811101000000123456",
    "IT60 X054 2811 1010 0000 0123 456",
    "GB82 WEST 1234 5698 7654 32",
    "+39 328 445 1290",
    "0039 06 678 4343",
    "07700 900456",
    "tel. 02 8645 1234",
    "lucia.fontana@gmail.com",
    "reception@clinica.it",
    "RSS MRA 80A01 H501U",
    "RSSMRA80A01H5L1H",
    "P.IVA IT 00743110157",
    "00743110157",
    "codice fiscale 00743110157",
    "80380000120001234567",
    "carta d'identità AU1234567",
    "CA79382RA",
    "passaporto YA8335453",
    "passport 925076473",
    "patente U1K711J11M",
    "MORGA657054SM9IJ",
    "NHS number 9434765919",
    "943 476 5919",
    "AB 12 34 56 C",
    "SW1A 1AA",
    "postcode SA99",
    "4111 1111 1111 1111",
    "https://www.sorriso.it/prenota?x=1",
    "sorriso.it",
    "192.168.1.20",
    "2001:db8::1",
    "@davide_conti",
    "seguici su @studio",
    "nato il 05/09/2001",
    "3 aprile 1950",
    "March 12th, 1961",
    "cartella clinica n. 2024/118",
    "(415) 555-0132",
    "800 123 456",
    "impianto",
    "root canal",
    "otturazioni",
    "😀",
    "🦷",
    "è",
    "Zoë",
    "e\u{301}",
    "İ",
    "ẞ",
    "\n",
    " ",
    ", ",
    ". ",
    "(",
    ")",
    "-",
    "'",
    "’",
    "@",
    "Mr",
    "sig.",
    "0",
    "12",
    "345",
];

fn assembled_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(FRAGMENTS).prop_map(str::to_owned),
            "[a-zA-Zàèìòù0-9 .,@+'-]{0,12}",
            any::<char>().prop_map(|c| c.to_string()),
        ],
        1..24,
    )
    .prop_map(|parts| parts.join(""))
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), assembled_text()]
}

fn on_boundaries(text: &str, start: usize, end: usize) -> bool {
    start < end && end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The engine never panics, and every span it reports lies on char boundaries inside the text.
    #[test]
    fn spans_lie_on_char_boundaries(text in any_text()) {
        let policy = policy();
        let analysis = policy.engine.analyze(&text, None, None);
        for e in &analysis.entities {
            prop_assert!(on_boundaries(&text, e.span.start, e.span.end), "{:?}", e);
        }
        for pair in analysis.entities.windows(2) {
            prop_assert!(pair[0].span.end <= pair[1].span.start, "overlapping entities {:?}", pair);
        }
        if let Ok(report) = policy.check(&text, &PostContext::default(), &Limits::default()) {
            for f in &report.findings {
                for s in &f.spans {
                    prop_assert!(on_boundaries(&text, s.span.start, s.span.end), "{:?}", s);
                }
            }
        }
    }

    /// Anonymise's output contains no detected value outside the replacements it wrote.
    #[test]
    fn anonymised_output_contains_no_detected_value(text in any_text()) {
        let policy = policy();
        let Ok(report) = policy.anonymise(&text, &AnonymiseInput::default(), &Limits::default(), &KeyContext::none("")) else {
            prop_assume!(false);
            unreachable!();
        };
        let out = &report.anonymised.text;
        for item in &report.anonymised.items {
            prop_assert!(on_boundaries(&text, item.original.start, item.original.end));
            prop_assert!(out.is_char_boundary(item.anonymised.start) && out.is_char_boundary(item.anonymised.end));
            prop_assert_eq!(&out[item.anonymised.start..item.anonymised.end], format!("<{}>", item.entity_type));
        }
        for item in &report.anonymised.items {
            let value = &text[item.original.start..item.original.end];
            for (at, _) in out.match_indices(value) {
                let inside_replacement = report.anonymised.items.iter().any(|r| r.anonymised.start < at + value.len() && at < r.anonymised.end);
                prop_assert!(inside_replacement, "{:?} survives in {:?}", value, out);
            }
        }
    }

    /// UTF-16 offsets agree with an independent count.
    #[test]
    fn utf16_offsets_agree(text in any::<String>()) {
        let index = Utf16Index::new(&text);
        for (byte, _) in text.char_indices().chain([(text.len(), ' ')]) {
            prop_assert_eq!(index.utf16(byte), text[..byte].encode_utf16().count());
        }
    }
}
