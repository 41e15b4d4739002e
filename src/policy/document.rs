//! The document a check reads: the post's text, then each attachment's caption and alt text,
//! separated by [`FIELD_SEPARATOR`]. Checking them together lets rules see a name in a caption
//! and a treatment in the text as one disclosure; spans found in a caption are reported
//! against that caption (`Span.field` in the proto).

use std::borrow::Cow;

use crate::engine::context::Attachment;
use crate::engine::entity::ByteSpan;
pub use crate::engine::rules::FIELD_SEPARATOR;

/// An attachment text checked with the post.
#[derive(Clone, PartialEq, Eq)]
pub struct DocumentField {
    /// The request field, e.g. `attachments[0].caption`.
    pub name: String,
    /// Where the field starts in the document.
    pub offset: usize,
    /// The field's text.
    pub text: String,
}

impl std::fmt::Debug for DocumentField {
    // Captions may name patients: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentField")
            .field("name", &self.name)
            .field("offset", &self.offset)
            .field("bytes", &self.text.len())
            .finish()
    }
}

/// The text plus attachment texts.
pub struct Document<'t> {
    text: Cow<'t, str>,
    fields: Vec<DocumentField>,
}

impl<'t> Document<'t> {
    /// Composes the document; borrows `text` when no attachment carries text.
    pub fn compose(text: &'t str, attachments: &[Attachment]) -> Self {
        let mut fields = Vec::new();
        let mut document: Option<String> = None;
        for (i, attachment) in attachments.iter().enumerate() {
            for (kind, value) in [("caption", &attachment.caption), ("alt_text", &attachment.alt_text)] {
                if value.trim().is_empty() {
                    continue;
                }
                let doc = document.get_or_insert_with(|| text.to_owned());
                doc.push_str(FIELD_SEPARATOR);
                fields.push(DocumentField {
                    name: format!("attachments[{i}].{kind}"),
                    offset: doc.len(),
                    text: value.clone(),
                });
                doc.push_str(value);
            }
        }
        let text = document.map_or(Cow::Borrowed(text), Cow::Owned);
        Self { text, fields }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn fields(&self) -> &[DocumentField] {
        &self.fields
    }
}

/// The field `span` lies in (`None`: the post's text) and its offsets within that field,
/// clipped to the field. A match can begin in the separator before a field (a pattern that
/// starts with `\s` takes the separator's last newline: "\nxx" for a sign-off "xx" alone in
/// an alt text) or end in the one after it: it is reported in the field it touches.
pub fn locate(fields: &[DocumentField], span: ByteSpan) -> (Option<&DocumentField>, ByteSpan) {
    // The first field that starts after the span's start; the span belongs to it when it starts
    // in the separator just before that field.
    let next = fields.iter().position(|f| span.start < f.offset);
    let owner = match next {
        Some(k) if span.start + FIELD_SEPARATOR.len() >= fields[k].offset => Some(k),
        Some(0) => None,
        Some(k) => Some(k - 1),
        None => fields.len().checked_sub(1),
    };
    let (field, offset, len) = match owner {
        Some(k) => (Some(&fields[k]), fields[k].offset, fields[k].text.len()),
        // The post's text ends where the first separator starts.
        None => (None, 0, fields.first().map_or(usize::MAX, |f| f.offset - FIELD_SEPARATOR.len())),
    };
    let start = span.start.saturating_sub(offset).min(len);
    let end = span.end.saturating_sub(offset).min(len);
    (field, ByteSpan::new(start, end.max(start)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::context::AttachmentKind;

    #[test]
    fn captions_follow_the_text_and_map_back() {
        let attachments = [
            Attachment { kind: AttachmentKind::Photo, caption: String::new(), alt_text: "Sorriso di Anna".into() },
            Attachment { kind: AttachmentKind::ClinicalPhoto, caption: "Dopo".into(), alt_text: " ".into() },
        ];
        let doc = Document::compose("Prima", &attachments);
        assert_eq!(doc.fields().len(), 2);
        assert_eq!(doc.fields()[0].name, "attachments[0].alt_text");
        let anna = doc.text().find("Anna").unwrap();
        let (field, local) = locate(doc.fields(), ByteSpan::new(anna, anna + 4));
        assert_eq!(field.unwrap().name, "attachments[0].alt_text");
        assert_eq!(&field.unwrap().text[local.start..local.end], "Anna");
        assert_eq!(locate(doc.fields(), ByteSpan::new(0, 5)), (None, ByteSpan::new(0, 5)));
        assert!(matches!(Document::compose("x", &[]).text, Cow::Borrowed(_)));
    }

    #[test]
    fn spans_reaching_into_a_separator_are_reported_in_the_field_they_touch() {
        let attachments = [Attachment { kind: AttachmentKind::Photo, caption: String::new(), alt_text: "xx".into() }];
        let doc = Document::compose("la sig.ra Lucia Fontana", &attachments);
        let field = &doc.fields()[0];
        // "\nxx": the separator's last newline and the alt text (a proptest finding).
        let (got, local) = locate(doc.fields(), ByteSpan::new(field.offset - 1, field.offset + 2));
        assert_eq!(got.map(|f| f.name.as_str()), Some("attachments[0].alt_text"));
        assert_eq!(local, ByteSpan::new(0, 2));
        // "Fontana\n": the post's text and the separator's first newline.
        let (got, local) = locate(doc.fields(), ByteSpan::new(16, 24));
        assert!(got.is_none());
        assert_eq!(local, ByteSpan::new(16, 23));
        // Inside the post's text and inside the field, unchanged.
        assert_eq!(locate(doc.fields(), ByteSpan::new(3, 9)), (None, ByteSpan::new(3, 9)));
        let (got, local) = locate(doc.fields(), ByteSpan::new(field.offset, field.offset + 2));
        assert!(got.is_some());
        assert_eq!(local, ByteSpan::new(0, 2));
    }
}
