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

/// The field `span` lies in (`None`: the post's text) and its offsets within that field.
pub fn locate(fields: &[DocumentField], span: ByteSpan) -> (Option<&DocumentField>, ByteSpan) {
    match fields.iter().rev().find(|f| span.start >= f.offset) {
        Some(field) => {
            let start = span.start - field.offset;
            let end = (span.end - field.offset).min(field.text.len());
            (Some(field), ByteSpan::new(start, end.max(start)))
        }
        None => (None, span),
    }
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
}
