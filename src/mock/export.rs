//! The records export: a real `.xlsx` workbook.

use crate::types::{ChatbotRecord, Score};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// The `content-type` of an `.xlsx` file.
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// RFC 5987 `attr-char`: what `filename*=` may carry unescaped.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// The column headers, the records' JSON field names.
const COLUMNS: [&str; 14] = [
    "id",
    "inputMessage",
    "condenseMessage",
    "outputMessage",
    "context",
    "faithfulnessScore",
    "answerRelevancyScore",
    "contextPrecisionScore",
    "answerCorrectnessScore",
    "answerSimilarityScore",
    "contextRecallScore",
    "replyTime",
    "createdAt",
    "error",
];

/// The workbook: a header row, then one row per record.
pub(crate) fn workbook(records: &[ChatbotRecord]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Records")?;
    let bold = Format::new().set_bold();
    for (col, name) in (0u16..).zip(COLUMNS.iter()) {
        sheet.write_string_with_format(0, col, *name, &bold)?;
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let score = |v: &Option<Score>| v.as_ref().map(|s| s.to_string()).unwrap_or_default();
    for (i, r) in records.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let cells = [
            r.id.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            text(&r.input_message),
            text(&r.condense_message),
            text(&r.output_message),
            text(&r.context),
            score(&r.faithfulness_score),
            score(&r.answer_relevancy_score),
            score(&r.context_precision_score),
            score(&r.answer_correctness_score),
            score(&r.answer_similarity_score),
            score(&r.context_recall_score),
            text(&r.reply_time),
            r.created_at
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_default(),
            text(&r.error),
        ];
        for (col, cell) in (0u16..).zip(cells.iter()) {
            sheet.write_string(row, col, cell)?;
        }
    }
    book.save_to_buffer()
}

/// `attachment; filename="records-<chatbot>.xlsx"; filename*=UTF-8''<percent-encoded>`; the
/// plain `filename` keeps ASCII letters, digits, `-`, `_` and `.`, and replaces the rest with `_`.
pub(crate) fn content_disposition(chatbot: &str) -> String {
    let name = format!("records-{chatbot}.xlsx");
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = utf8_percent_encode(&name, ATTR_CHAR);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_escapes() {
        assert_eq!(
            content_disposition("a b\"機器人"),
            "attachment; filename=\"records-a_b____.xlsx\"; \
             filename*=UTF-8''records-a%20b%22%E6%A9%9F%E5%99%A8%E4%BA%BA.xlsx"
        );
    }

    #[test]
    fn workbook_is_a_zip() {
        let bytes = workbook(&[ChatbotRecord::default()]).expect("xlsx");
        assert_eq!(&bytes[..2], b"PK");
    }
}
