//! Invoice PDFs, written with `pdf-writer` on A4 pages in DejaVu Sans, embedded as a subset
//! (pdf_font.rs), so any name or address in Latin, Greek, Cyrillic, Hebrew or Arabic letters
//! prints as typed.
//!
//! The first page carries the title, number and status, the seller and buyer blocks as they were
//! when the invoice was issued (parties.rs) and its dates. The lines follow, over as many pages as
//! they take, the table's header repeated on each; long descriptions wrap. A taxed invoice shows
//! each line's rate, names its tax in the totals and prints the reverse-charge mention when it
//! applies. Then how it was or is to be paid: the date it was paid, the bank account and the
//! reference to quote, or that it is void. Every page ends with the invoice number and
//! "Page n of m".

use super::model::{InvoiceStatus, InvoiceView};
use super::parties::{group_iban, InvoiceParty};
use super::pdf_font::{EmbeddedFont, Typeface, BOLD, REGULAR};
use super::tax::percent;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
/// Content stops here; below is the footer.
const BOTTOM: f32 = MARGIN + 30.0;
const LINE: f32 = 14.0;
const ROW: f32 = 13.0;
/// Where the buyer's block starts.
const BUYER_X: f32 = 320.0;
/// Where the totals' labels end.
const UNIT_RIGHT: f32 = 460.0;

/// The lines table's columns: a taxed invoice has one more, for each line's rate.
struct Columns {
    description_width: f32,
    quantity_right: f32,
    unit_right: f32,
    tax_right: Option<f32>,
}

impl Columns {
    fn of(invoice: &InvoiceView) -> Columns {
        if invoice.tax_label.is_some() {
            Columns {
                description_width: 220.0,
                quantity_right: 320.0,
                unit_right: 400.0,
                tax_right: Some(UNIT_RIGHT),
            }
        } else {
            Columns {
                description_width: 270.0,
                quantity_right: 380.0,
                unit_right: UNIT_RIGHT,
                tax_right: None,
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Style {
    Regular,
    Bold,
}

impl Style {
    fn resource(self) -> Name<'static> {
        match self {
            Style::Regular => Name(b"F1"),
            Style::Bold => Name(b"F2"),
        }
    }
}

/// Lays out text on pages, starting a new one when the next block does not fit.
struct Layout {
    regular: EmbeddedFont,
    bold: EmbeddedFont,
    pages: Vec<Content>,
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            regular: EmbeddedFont::new(&REGULAR),
            bold: EmbeddedFont::new(&BOLD),
            pages: vec![Content::new()],
            y: PAGE_HEIGHT - MARGIN - 10.0,
        }
    }

    fn font(&mut self, style: Style) -> &mut EmbeddedFont {
        match style {
            Style::Regular => &mut self.regular,
            Style::Bold => &mut self.bold,
        }
    }

    fn typeface(style: Style) -> &'static Typeface {
        match style {
            Style::Regular => &REGULAR,
            Style::Bold => &BOLD,
        }
    }

    fn text(&mut self, style: Style, size: f32, x: f32, y: f32, text: &str) {
        let encoded = self.font(style).encode(text);
        let page = self.pages.last_mut().expect("a page");
        page.begin_text();
        page.set_font(style.resource(), size);
        page.next_line(x, y);
        page.show(Str(&encoded));
        page.end_text();
    }

    fn text_right(&mut self, style: Style, size: f32, right: f32, y: f32, text: &str) {
        let width = Layout::typeface(style).width(text, size);
        self.text(style, size, right - width, y, text);
    }

    fn rule(&mut self, y: f32) {
        let page = self.pages.last_mut().expect("a page");
        page.set_line_width(0.5);
        page.move_to(MARGIN, y);
        page.line_to(RIGHT, y);
        page.stroke();
    }

    /// Starts a new page unless `height` more fits on this one; true when it started one.
    fn make_room(&mut self, height: f32) -> bool {
        if self.y - height >= BOTTOM {
            return false;
        }
        self.pages.push(Content::new());
        self.y = PAGE_HEIGHT - MARGIN - 10.0;
        true
    }
}

/// `text` broken into lines no wider than `width` at `size`: at spaces where it can, inside a
/// word that alone is too wide.
fn wrap(style: Style, size: f32, text: &str, width: f32) -> Vec<String> {
    let typeface = Layout::typeface(style);
    let fits = |line: &str| typeface.width(line, size) <= width;
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if fits(&candidate) {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            line.push(c);
            if !fits(&line) && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::replace(&mut line, c.to_string()));
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn date_only(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

/// The invoice as a PDF document.
pub fn render(invoice: &InvoiceView) -> Vec<u8> {
    let mut layout = Layout::new();
    heading(&mut layout, invoice);
    parties(&mut layout, &invoice.seller, &invoice.buyer);
    facts(&mut layout, invoice);
    lines(&mut layout, invoice);
    totals(&mut layout, invoice);
    payment(&mut layout, invoice);
    footers(&mut layout, invoice);
    write_document(invoice, layout)
}

fn heading(layout: &mut Layout, invoice: &InvoiceView) {
    let y = layout.y;
    layout.text(Style::Bold, 22.0, MARGIN, y, "INVOICE");
    layout.text_right(Style::Bold, 12.0, RIGHT, y, &invoice.number);
    let status = format!("Status: {}", invoice.status.as_str().to_uppercase());
    layout.text_right(Style::Regular, 10.0, RIGHT, y - 18.0, &status);
    layout.y -= 54.0;
}

fn parties(layout: &mut Layout, seller: &InvoiceParty, buyer: &InvoiceParty) {
    let top = layout.y;
    let mut lowest = top;
    for (x, title, party) in [(MARGIN, "From", seller), (BUYER_X, "Bill to", buyer)] {
        let width = if x == MARGIN {
            BUYER_X - MARGIN - 16.0
        } else {
            RIGHT - BUYER_X
        };
        layout.text(Style::Bold, 10.0, x, top, title);
        let mut y = top - LINE;
        for name_line in wrap(Style::Bold, 10.0, &party.name, width) {
            layout.text(Style::Bold, 10.0, x, y, &name_line);
            y -= LINE;
        }
        for detail in party.detail_lines() {
            for line in wrap(Style::Regular, 9.0, &detail, width) {
                layout.text(Style::Regular, 9.0, x, y, &line);
                y -= 12.0;
            }
        }
        lowest = lowest.min(y);
    }
    layout.y = lowest - 16.0;
}

fn facts(layout: &mut Layout, invoice: &InvoiceView) {
    let mut facts = vec![
        ("Invoice number", invoice.number.clone()),
        ("Issued", date_only(&invoice.issued_at).to_string()),
    ];
    if let (Some(start), Some(end)) = (&invoice.period_start, &invoice.period_end) {
        let period = format!("{} to {}", date_only(start), date_only(end));
        facts.push(("Period", period));
    }
    if let Some(paid) = &invoice.paid_at {
        facts.push(("Paid", date_only(paid).to_string()));
    }
    for (label, value) in &facts {
        let y = layout.y;
        layout.text(Style::Bold, 10.0, MARGIN, y, label);
        layout.text(Style::Regular, 10.0, MARGIN + 110.0, y, value);
        layout.y -= LINE;
    }
    layout.y -= 20.0;
}

fn table_header(layout: &mut Layout, columns: &Columns, continued: bool) {
    let y = layout.y;
    let title = if continued {
        "Description (continued)"
    } else {
        "Description"
    };
    layout.text(Style::Bold, 10.0, MARGIN, y, title);
    layout.text_right(Style::Bold, 10.0, columns.quantity_right, y, "Qty");
    layout.text_right(Style::Bold, 10.0, columns.unit_right, y, "Unit price");
    if let Some(tax_right) = columns.tax_right {
        layout.text_right(Style::Bold, 10.0, tax_right, y, "Tax");
    }
    layout.text_right(Style::Bold, 10.0, RIGHT, y, "Net amount");
    layout.rule(y - 6.0);
    layout.y -= 20.0;
}

fn lines(layout: &mut Layout, invoice: &InvoiceView) {
    let columns = Columns::of(invoice);
    table_header(layout, &columns, false);
    for line in &invoice.lines {
        let description = wrap(
            Style::Regular,
            9.0,
            &line.description,
            columns.description_width,
        );
        if layout.make_room(ROW * description.len() as f32) {
            table_header(layout, &columns, true);
        }
        let y = layout.y;
        let quantity = line.quantity.to_string();
        layout.text_right(Style::Regular, 9.0, columns.quantity_right, y, &quantity);
        let unit = line.unit_amount.to_string();
        layout.text_right(Style::Regular, 9.0, columns.unit_right, y, &unit);
        if let Some(tax_right) = columns.tax_right {
            let rate = percent(line.tax_rate_bp);
            layout.text_right(Style::Regular, 9.0, tax_right, y, &rate);
        }
        layout.text_right(Style::Regular, 9.0, RIGHT, y, &line.amount.to_string());
        for text in description {
            let y = layout.y;
            layout.text(Style::Regular, 9.0, MARGIN, y, &text);
            layout.y -= ROW;
        }
    }
    let y = layout.y + ROW - 6.0;
    layout.rule(y);
    layout.y -= 10.0;
}

/// Net, tax and total, then any legal mention the tax requires (reverse charge).
fn totals(layout: &mut Layout, invoice: &InvoiceView) {
    let note = invoice
        .tax_note
        .as_deref()
        .map(|note| wrap(Style::Regular, 8.0, note, RIGHT - MARGIN))
        .unwrap_or_default();
    layout.make_room(3.0 * LINE + 11.0 * note.len() as f32);
    let tax_label = invoice.tax_label.as_deref().unwrap_or("Tax");
    for (label, amount, style) in [
        ("Subtotal (net)", &invoice.subtotal, Style::Regular),
        (tax_label, &invoice.tax, Style::Regular),
        ("Total", &invoice.total, Style::Bold),
    ] {
        let y = layout.y;
        layout.text_right(style, 10.0, UNIT_RIGHT, y, label);
        layout.text_right(style, 10.0, RIGHT, y, &amount.to_string());
        layout.y -= LINE;
    }
    for line in note {
        let y = layout.y;
        layout.text(Style::Regular, 8.0, MARGIN, y, &line);
        layout.y -= 11.0;
    }
    layout.y -= 16.0;
}

/// How the invoice was paid, or how to pay it.
fn payment(layout: &mut Layout, invoice: &InvoiceView) {
    let mut rows: Vec<(String, String)> = Vec::new();
    let title = match invoice.status {
        InvoiceStatus::Paid => {
            let paid = invoice.paid_at.as_deref().map(date_only).unwrap_or("");
            format!("Paid on {paid}. Thank you.")
        }
        InvoiceStatus::Void => "This invoice is void: nothing is due.".to_string(),
        InvoiceStatus::Open => {
            match &invoice.bank_details {
                Some(bank) => {
                    for (label, value) in bank.fields() {
                        let value = if label == "IBAN" {
                            group_iban(&value)
                        } else {
                            value
                        };
                        rows.push((label.to_string(), value));
                    }
                    rows.push(("Reference".into(), invoice.number.clone()));
                }
                None => {
                    let email = invoice.seller.email.as_deref().unwrap_or("us");
                    rows.push((
                        "Bank details".into(),
                        format!("ask {email}; quote {}", invoice.number),
                    ));
                }
            }
            format!("Please pay {} by bank transfer to:", invoice.total)
        }
    };
    layout.make_room(LINE * (rows.len() as f32 + 1.0));
    let y = layout.y;
    layout.text(Style::Bold, 10.0, MARGIN, y, &title);
    layout.y -= LINE;
    for (label, value) in rows {
        let y = layout.y;
        layout.text(Style::Regular, 9.0, MARGIN, y, &label);
        layout.text(Style::Regular, 9.0, MARGIN + 110.0, y, &value);
        layout.y -= 12.0;
    }
}

/// The invoice number, currency and "Page n of m" at the foot of every page.
fn footers(layout: &mut Layout, invoice: &InvoiceView) {
    let count = layout.pages.len();
    let currency = invoice.total.currency.as_str();
    for index in 0..count {
        let text = format!(
            "{} · All amounts in {currency} · Page {} of {count}",
            invoice.number,
            index + 1
        );
        let encoded = layout.regular.encode(&text);
        let page = &mut layout.pages[index];
        page.begin_text();
        page.set_font(Style::Regular.resource(), 8.0);
        page.next_line(MARGIN, MARGIN);
        page.show(Str(&encoded));
        page.end_text();
    }
}

fn write_document(invoice: &InvoiceView, layout: Layout) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    let regular = Ref::new(4);
    let bold = Ref::new(4 + EmbeddedFont::OBJECTS);
    let first_page = 4 + 2 * EmbeddedFont::OBJECTS;
    let page_ids: Vec<(Ref, Ref)> = (0..layout.pages.len() as i32)
        .map(|i| {
            (
                Ref::new(first_page + 2 * i),
                Ref::new(first_page + 2 * i + 1),
            )
        })
        .collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().map(|(page, _)| *page))
        .count(page_ids.len() as i32);
    for ((page_id, content_id), content) in page_ids.iter().zip(layout.pages) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(tree);
        page.contents(*content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Style::Regular.resource(), regular);
        fonts.pair(Style::Bold.resource(), bold);
        fonts.finish();
        resources.finish();
        page.finish();
        pdf.stream(*content_id, &content.finish());
    }
    layout.regular.write(&mut pdf, regular);
    layout.bold.write(&mut pdf, bold);
    let title = format!("Invoice {}", invoice.number);
    pdf.document_info(info)
        .title(TextStr(&title))
        .author(TextStr(&invoice.seller.name))
        .producer(TextStr("IGNY8"));
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_wraps_within_its_width() {
        let text =
            "Growth plan, monthly, for the period from the first to the last day of the month";
        let lines = wrap(Style::Regular, 9.0, text, 120.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert!(lines
            .iter()
            .all(|l| REGULAR.width(l, 9.0) <= 120.0 || !l.contains(' ')));
        assert_eq!(lines.join(" "), text);
        let unbroken = "x".repeat(200);
        assert!(wrap(Style::Regular, 9.0, &unbroken, 50.0).len() > 5);
        assert_eq!(wrap(Style::Regular, 9.0, "", 50.0), [""]);
    }
}
