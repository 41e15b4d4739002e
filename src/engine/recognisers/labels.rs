//! Labels that say what an identifier is ("codice fiscale", "P.IVA", "NHS number",
//! "passaporto"), in Italian and English, shared by the identifier recognisers.
//!
//! Two uses, one table:
//! - **context**: each recogniser registers the labels of its own type (plus looser topic
//!   words) as its context lexicon, and the analyzer raises a candidate's score when one is
//!   near (whole-word, multi-word, unlike Presidio's substring context).
//! - **disambiguation**: many identifiers share a shape (eleven digits are a VAT number, a
//!   temporary fiscal code or a landline; `AA1234567` is an Italian identity card, an
//!   Italian passport or a UK passport). [`IdentifierLabels::nearest`] finds the label
//!   closest to a candidate, so a number labelled "P.IVA" is not also reported as a phone
//!   number and a number after "passaporto" is not reported as an identity card.
//!
//! Only *labels* are in the table: words that name the number that follows. Topic words
//! ("team", "carta", "nhs" alone) would mislabel: "call our team on 020 7123 4567".

use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::scan::{LexiconId, Scan, ScannerBuilder};

use EntityType::*;

/// Words that name an identifier, with the type they name. Matching is case-insensitive and
/// whole-word; typographic apostrophes match straight ones.
pub const LABELS: &[(&str, EntityType)] = &[
    // Phone numbers.
    ("tel", PhoneNumber),
    ("tel.", PhoneNumber),
    ("telefono", PhoneNumber),
    ("numero di telefono", PhoneNumber),
    ("cellulare", PhoneNumber),
    ("numero di cellulare", PhoneNumber),
    ("cell", PhoneNumber),
    ("cell.", PhoneNumber),
    ("fisso", PhoneNumber),
    ("fax", PhoneNumber),
    ("whatsapp", PhoneNumber),
    ("sms", PhoneNumber),
    ("chiamami", PhoneNumber),
    ("chiamatemi", PhoneNumber),
    ("chiama", PhoneNumber),
    ("chiamare", PhoneNumber),
    ("chiamate", PhoneNumber),
    ("phone", PhoneNumber),
    ("phone number", PhoneNumber),
    ("telephone", PhoneNumber),
    ("mobile", PhoneNumber),
    ("mobile number", PhoneNumber),
    ("call me", PhoneNumber),
    ("call", PhoneNumber),
    ("text me", PhoneNumber),
    ("ring", PhoneNumber),
    // Italian fiscal code (also the 11-digit temporary one).
    ("codice fiscale", ItFiscalCode),
    ("codice fiscale provvisorio", ItFiscalCode),
    ("cod. fiscale", ItFiscalCode),
    ("cod fiscale", ItFiscalCode),
    ("c.f.", ItFiscalCode),
    ("c.f", ItFiscalCode),
    ("cf", ItFiscalCode),
    ("fiscal code", ItFiscalCode),
    ("italian tax code", ItFiscalCode),
    ("tax code", ItFiscalCode),
    // Italian VAT number.
    ("partita iva", ItVatCode),
    ("partita i.v.a.", ItVatCode),
    ("p.iva", ItVatCode),
    ("p. iva", ItVatCode),
    ("p.i.", ItVatCode),
    ("piva", ItVatCode),
    ("numero iva", ItVatCode),
    ("vat", ItVatCode),
    ("vat number", ItVatCode),
    ("vat no", ItVatCode),
    ("vat code", ItVatCode),
    ("vat id", ItVatCode),
    // Italian health card.
    ("tessera sanitaria", ItHealthCard),
    ("numero della tessera sanitaria", ItHealthCard),
    ("tessera team", ItHealthCard),
    ("carta team", ItHealthCard),
    ("team card", ItHealthCard),
    ("health card", ItHealthCard),
    ("health card number", ItHealthCard),
    ("team card number", ItHealthCard),
    ("health insurance card", ItHealthCard),
    ("ehic", ItHealthCard),
    ("tessera europea di assicurazione malattia", ItHealthCard),
    // Italian identity card.
    ("carta d'identità", ItIdentityCard),
    ("carta di identità", ItIdentityCard),
    ("carta identità", ItIdentityCard),
    ("carta d'identita", ItIdentityCard),
    ("carta di identita", ItIdentityCard),
    ("carta d'identità elettronica", ItIdentityCard),
    ("c.i.", ItIdentityCard),
    ("cie", ItIdentityCard),
    ("documento d'identità", ItIdentityCard),
    ("documento di identità", ItIdentityCard),
    ("documento di riconoscimento", ItIdentityCard),
    ("identity card", ItIdentityCard),
    ("identity card number", ItIdentityCard),
    ("id card number", ItIdentityCard),
    ("id card", ItIdentityCard),
    ("italian id", ItIdentityCard),
    ("national id", ItIdentityCard),
    // Passports. Generic words are listed under the type of their language; the document
    // recogniser decides the nationality from qualifiers and the text's language.
    ("passaporto", ItPassport),
    ("numero di passaporto", ItPassport),
    ("n. passaporto", ItPassport),
    ("passaporto italiano", ItPassport),
    ("italian passport", ItPassport),
    ("passport", UkPassport),
    ("passport number", UkPassport),
    ("passport no", UkPassport),
    ("passport no.", UkPassport),
    ("uk passport", UkPassport),
    ("british passport", UkPassport),
    ("passaporto britannico", UkPassport),
    ("passaporto inglese", UkPassport),
    ("passaporto del regno unito", UkPassport),
    // Driving licences.
    ("patente", ItDriverLicense),
    ("patente di guida", ItDriverLicense),
    ("numero di patente", ItDriverLicense),
    ("licenza di guida", ItDriverLicense),
    ("italian driving licence", ItDriverLicense),
    ("italian driver's license", ItDriverLicense),
    ("driving licence", UkDrivingLicence),
    ("driving license", UkDrivingLicence),
    ("driver's licence", UkDrivingLicence),
    ("driver's license", UkDrivingLicence),
    ("driver licence", UkDrivingLicence),
    ("driver license", UkDrivingLicence),
    ("licence", UkDrivingLicence),
    ("license", UkDrivingLicence),
    ("licence number", UkDrivingLicence),
    ("license number", UkDrivingLicence),
    ("dvla", UkDrivingLicence),
    // NHS number (and the Scottish CHI and Northern Irish H&C numbers, same check digit).
    ("nhs number", UkNhs),
    ("nhs no", UkNhs),
    ("nhs no.", UkNhs),
    ("nhs num", UkNhs),
    ("nhs #", UkNhs),
    ("numero nhs", UkNhs),
    ("chi number", UkNhs),
    ("health and care number", UkNhs),
    ("h&c number", UkNhs),
    // National Insurance number.
    ("national insurance", UkNino),
    ("national insurance number", UkNino),
    ("national insurance no", UkNino),
    ("ni number", UkNino),
    ("ni no", UkNino),
    ("ni no.", UkNino),
    ("nino", UkNino),
    // Postcodes.
    ("postcode", UkPostcode),
    ("post code", UkPostcode),
    ("postal code", UkPostcode),
    ("codice postale", UkPostcode),
    // Bank and card numbers.
    ("iban", IbanCode),
    ("codice iban", IbanCode),
    ("conto corrente", IbanCode),
    ("bank account", IbanCode),
    ("account number", IbanCode),
    ("carta di credito", CreditCard),
    ("carta di debito", CreditCard),
    ("numero della carta", CreditCard),
    ("numero carta", CreditCard),
    ("credit card", CreditCard),
    ("debit card", CreditCard),
    ("card number", CreditCard),
    ("visa", CreditCard),
    ("mastercard", CreditCard),
    ("american express", CreditCard),
    ("amex", CreditCard),
    ("bancomat", CreditCard),
    ("postepay", CreditCard),
    // Medical record numbers.
    ("cartella clinica", MedicalRecordNumber),
    ("cartella n", MedicalRecordNumber),
    ("cartella n.", MedicalRecordNumber),
    ("n. cartella", MedicalRecordNumber),
    ("numero di cartella", MedicalRecordNumber),
    ("nosologico", MedicalRecordNumber),
    ("numero nosologico", MedicalRecordNumber),
    ("id paziente", MedicalRecordNumber),
    ("codice paziente", MedicalRecordNumber),
    ("mrn", MedicalRecordNumber),
    ("medical record", MedicalRecordNumber),
    ("medical record number", MedicalRecordNumber),
    ("hospital number", MedicalRecordNumber),
    ("hospital no", MedicalRecordNumber),
    ("patient id", MedicalRecordNumber),
    ("patient number", MedicalRecordNumber),
    // Network identifiers.
    ("indirizzo ip", IpAddress),
    ("ip address", IpAddress),
    ("ip", IpAddress),
];

/// How far (in words) a label or context word may be from the identifier: the analyzer's
/// default context window (six words before, two after).
pub const WORDS_BEFORE: usize = 6;
pub const WORDS_AFTER: usize = 2;

/// The shared label lexicon of a policy's scanner.
#[derive(Debug, Clone, Copy)]
pub struct IdentifierLabels {
    lexicon: LexiconId,
}

/// The label nearest to a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NearestLabel {
    pub entity_type: EntityType,
    /// Words between the label and the candidate (0: adjacent).
    pub distance: usize,
    /// Whether the label comes before the candidate.
    pub before: bool,
    pub span: ByteSpan,
    /// Whether another number stands between the label and the candidate (the label then
    /// names that one first: "licence MORGA657054SM9IJ, card 4111 …").
    pub number_between: bool,
}

impl IdentifierLabels {
    /// Registers the label table once per scanner (registering again is a no-op: the lexicon
    /// is found by name and identical terms are merged).
    pub fn register(builder: &mut ScannerBuilder) -> Self {
        let lexicon = builder.lexicon("identifier.labels");
        for (i, (phrase, _)) in LABELS.iter().enumerate() {
            builder.term(lexicon, phrase, i as u32);
        }
        Self { lexicon }
    }

    /// The label nearest to `span`: up to six words before it, or right after it in
    /// parentheses ("12345678901 (P.IVA)"). A label further after a value names the value
    /// that follows it ("… 1290; CF RSSMRA…"), so it does not count. Ties go to the longer
    /// label ("italian passport" over "passport").
    pub fn nearest(&self, scan: &Scan<'_>, span: ByteSpan) -> Option<NearestLabel> {
        let before = nearest_hit(scan, self.lexicon, span, WORDS_BEFORE, None);
        let label = before.or_else(|| {
            let rest = &scan.text[span.end..];
            let gap = rest.len() - rest.trim_start_matches([' ', '(']).len();
            let parenthesised = rest[..gap].contains('(');
            nearest_hit(scan, self.lexicon, span, 0, Some(0))
                .filter(|hit| !hit.3 && parenthesised && hit.0.start == span.end + gap)
        });
        label.map(|(hit_span, entry, distance, before)| {
            let between = if before { &scan.text[hit_span.end..span.start] } else { "" };
            NearestLabel {
                entity_type: LABELS[entry as usize].1,
                distance,
                before,
                span: hit_span,
                number_between: between.bytes().any(|b| b.is_ascii_digit()),
            }
        })
    }

    /// Spans of the labels of one type, in text order.
    pub fn hits_of<'s>(&self, scan: &'s Scan<'_>, entity_type: EntityType) -> impl Iterator<Item = ByteSpan> + 's {
        scan.hits(self.lexicon).iter().filter(move |h| LABELS[h.entry as usize].1 == entity_type).map(|h| h.span)
    }

    /// The type the nearest label gives a candidate of a recogniser producing `own` types: a
    /// label of another type counts only when no other number stands between (it then
    /// names that number, not this one).
    pub fn label_for(&self, scan: &Scan<'_>, span: ByteSpan, own: &[EntityType]) -> Option<EntityType> {
        self.nearest(scan, span).filter(|l| own.contains(&l.entity_type) || !l.number_between).map(|l| l.entity_type)
    }

    /// Whether the nearest label names a type other than `own` (the text says this number
    /// is something else), with no other number between them.
    pub fn names_other(&self, scan: &Scan<'_>, span: ByteSpan, own: &[EntityType]) -> bool {
        self.nearest(scan, span).is_some_and(|label| !own.contains(&label.entity_type) && !label.number_between)
    }
}

/// Registers a context lexicon named `name`: the labels of `types` plus `extra` words.
pub fn context_lexicon(builder: &mut ScannerBuilder, name: &str, types: &[EntityType], extra: &[&str]) -> LexiconId {
    let lexicon = builder.lexicon(name);
    let mut entry = 0u32;
    for (phrase, ty) in LABELS {
        if types.contains(ty) {
            builder.term(lexicon, phrase, entry);
            entry += 1;
        }
    }
    for word in extra {
        builder.term(lexicon, word, entry);
        entry += 1;
    }
    lexicon
}

/// Registers a plain word list as a lexicon (entry = index in `words`).
pub fn word_lexicon(builder: &mut ScannerBuilder, name: &str, words: &[&str]) -> LexiconId {
    let lexicon = builder.lexicon(name);
    for (i, word) in words.iter().enumerate() {
        builder.term(lexicon, word, i as u32);
    }
    lexicon
}

/// The hit of `lexicon` nearest to `span`: at most `before` words before it or (when given)
/// `after` words after it. Returns the hit's span, its entry, the number of words in
/// between and whether it comes before. Ties go to a hit before the span, then to the
/// longer hit.
pub fn nearest_hit(
    scan: &Scan<'_>,
    lexicon: LexiconId,
    span: ByteSpan,
    before: usize,
    after: Option<usize>,
) -> Option<(ByteSpan, u32, usize, bool)> {
    let hits = scan.hits(lexicon);
    if hits.is_empty() {
        return None;
    }
    // Token indices: the first token of the span and one past its last token.
    let first = scan.token_at(span.start);
    let past_last = scan.tokens.partition_point(|t| t.start < span.end);
    // Only hits starting inside the window can qualify (hits are ordered by start); the
    // margin lets a long label end inside the window although it starts before it.
    const LONGEST_LABEL_WORDS: usize = 8;
    let window_start = first.checked_sub(before + LONGEST_LABEL_WORDS).map_or(0, |i| scan.tokens[i].start);
    let window_end = match after {
        Some(after) => scan.tokens.get(past_last + after).map_or(scan.text.len(), |t| t.end),
        None => span.start,
    };
    let from = hits.partition_point(|h| h.span.start < window_start);
    let to = hits.partition_point(|h| h.span.start < window_end);
    let mut best: Option<(ByteSpan, u32, usize, bool)> = None;
    for hit in &hits[from..to.max(from)] {
        let candidate = if hit.span.end <= span.start {
            // Tokens wholly between the hit and the span.
            let after_hit = scan.tokens.partition_point(|t| t.start < hit.span.end);
            let distance = first.saturating_sub(after_hit);
            (distance <= before).then_some((hit.span, hit.entry, distance, true))
        } else if hit.span.start >= span.end {
            let hit_first = scan.token_at(hit.span.start);
            let distance = hit_first.saturating_sub(past_last);
            after.is_some_and(|after| distance <= after).then_some((hit.span, hit.entry, distance, false))
        } else {
            None // overlapping: part of the value itself, not a label
        };
        let Some(candidate) = candidate else { continue };
        let better = match best {
            None => true,
            Some(b) => {
                (candidate.2, !candidate.3, std::cmp::Reverse(candidate.0.len()))
                    < (b.2, !b.3, std::cmp::Reverse(b.0.len()))
            }
        };
        if better {
            best = Some(candidate);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nearest(text: &str, value: &str) -> Option<(EntityType, usize)> {
        let mut builder = ScannerBuilder::new();
        let labels = IdentifierLabels::register(&mut builder);
        let scanner = builder.build().unwrap();
        let scan = scanner.scan(text);
        let start = text.find(value).unwrap();
        labels.nearest(&scan, ByteSpan::new(start, start + value.len())).map(|l| (l.entity_type, l.distance))
    }

    #[test]
    fn nearest_label_wins_and_longer_labels_break_ties() {
        assert_eq!(nearest("P.IVA 02100550264", "02100550264"), Some((ItVatCode, 0)));
        assert_eq!(nearest("tel. 02 1234 5678, P.IVA 02100550264", "02100550264"), Some((ItVatCode, 0)));
        assert_eq!(nearest("Her Italian passport: YA8335453", "YA8335453"), Some((ItPassport, 0)));
        assert_eq!(nearest("Passaporto britannico n. AB1234567", "AB1234567"), Some((UkPassport, 1)));
        assert_eq!(nearest("il numero di telefono è 333 1234567", "333 1234567"), Some((PhoneNumber, 1)));
    }

    #[test]
    fn labels_are_whole_words_within_the_window() {
        assert_eq!(nearest("la civetta 12345678901", "12345678901"), None); // "cie" is not in "civetta"
        assert_eq!(nearest("codice fiscale: uno due tre quattro cinque sei sette 12345678901", "12345678901"), None);
        assert_eq!(nearest("12345678901 (partita IVA)", "12345678901"), Some((ItVatCode, 0)));
        assert_eq!(nearest("+39 328 445 1290; CF RSSMRA80A01H501U", "+39 328 445 1290"), None);
    }

    #[test]
    fn a_label_names_the_first_number_after_it() {
        let mut builder = ScannerBuilder::new();
        let labels = IdentifierLabels::register(&mut builder);
        let scanner = builder.build().unwrap();
        let text = "licence MORGA657054SM9IJ, card 4111 1111 1111 1111";
        let scan = scanner.scan(text);
        let start = text.find("4111").unwrap();
        let span = ByteSpan::new(start, text.len());
        assert!(!labels.names_other(&scan, span, &[CreditCard]));
        assert_eq!(labels.label_for(&scan, span, &[CreditCard]), None);
        // A list after its label keeps the label.
        let text = "passport AB1234567 and XY9876543";
        let scan = scanner.scan(text);
        let start = text.find("XY").unwrap();
        assert_eq!(labels.label_for(&scan, ByteSpan::new(start, text.len()), &[UkPassport]), Some(UkPassport));
    }
}
