//! Invoice PDFs, written with `pdf-writer` in Helvetica (a base-14 font every reader has, so
//! nothing is embedded): seller, buyer, number, dates, lines, totals and status on one A4 page.

use super::model::InvoiceView;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

pub const SELLER: [&str; 3] = ["IGNY8", "AI content platform", "billing@igny8.com"];

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const REGULAR: Name = Name(b"F1");
const BOLD: Name = Name(b"F2");
/// Lines of items that fit on the page; longer invoices are summarised in one more line.
const MAX_LINES: usize = 30;

/// The text in WinAnsi (Latin-1 plus €); anything else becomes '?'.
fn encode(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '€' => 0x80,
            '–' | '—' => b'-',
            c if (c as u32) < 0x100 && !c.is_control() => c as u8,
            _ => b'?',
        })
        .collect()
}

/// Helvetica is about 0.5 em per character on average (digits are 0.556): enough to
/// right-align amounts.
fn approx_width(text: &str, size: f32) -> f32 {
    text.chars().count() as f32 * size * 0.556
}

struct Page {
    content: Content,
}

impl Page {
    fn text(&mut self, font: Name, size: f32, x: f32, y: f32, text: &str) {
        self.content.begin_text();
        self.content.set_font(font, size);
        self.content.next_line(x, y);
        self.content.show(Str(&encode(text)));
        self.content.end_text();
    }

    fn text_right(&mut self, font: Name, size: f32, right: f32, y: f32, text: &str) {
        self.text(font, size, right - approx_width(text, size), y, text);
    }

    fn rule(&mut self, y: f32) {
        self.content.set_line_width(0.5);
        self.content.move_to(MARGIN, y);
        self.content.line_to(PAGE_WIDTH - MARGIN, y);
        self.content.stroke();
    }
}

fn date_only(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

/// The invoice as a PDF document.
pub fn render(invoice: &InvoiceView) -> Vec<u8> {
    let mut page = Page {
        content: Content::new(),
    };
    let right = PAGE_WIDTH - MARGIN;
    let mut y = PAGE_HEIGHT - MARGIN - 10.0;

    page.text(BOLD, 22.0, MARGIN, y, "INVOICE");
    page.text_right(BOLD, 12.0, right, y, &invoice.number);
    y -= 18.0;
    page.text_right(
        REGULAR,
        10.0,
        right,
        y,
        &format!("Status: {}", invoice.status.as_str().to_uppercase()),
    );

    y -= 36.0;
    page.text(BOLD, 10.0, MARGIN, y, "From");
    page.text(BOLD, 10.0, 320.0, y, "Bill to");
    for (i, line) in SELLER.iter().enumerate() {
        page.text(REGULAR, 10.0, MARGIN, y - 14.0 * (i as f32 + 1.0), line);
    }
    page.text(REGULAR, 10.0, 320.0, y - 14.0, &invoice.account_name);

    y -= 70.0;
    let mut facts = vec![
        ("Invoice number", invoice.number.clone()),
        ("Issued", date_only(&invoice.issued_at).to_string()),
    ];
    if let (Some(start), Some(end)) = (&invoice.period_start, &invoice.period_end) {
        facts.push((
            "Period",
            format!("{} to {}", date_only(start), date_only(end)),
        ));
    }
    if let Some(paid) = &invoice.paid_at {
        facts.push(("Paid", date_only(paid).to_string()));
    }
    for (label, value) in &facts {
        page.text(BOLD, 10.0, MARGIN, y, label);
        page.text(REGULAR, 10.0, MARGIN + 110.0, y, value);
        y -= 14.0;
    }

    y -= 20.0;
    page.text(BOLD, 10.0, MARGIN, y, "Description");
    page.text_right(BOLD, 10.0, 400.0, y, "Qty");
    page.text_right(BOLD, 10.0, 470.0, y, "Unit price");
    page.text_right(BOLD, 10.0, right, y, "Amount");
    y -= 6.0;
    page.rule(y);
    y -= 14.0;
    for line in invoice.lines.iter().take(MAX_LINES) {
        let description: String = line.description.chars().take(60).collect();
        page.text(REGULAR, 9.0, MARGIN, y, &description);
        page.text_right(REGULAR, 9.0, 400.0, y, &line.quantity.to_string());
        page.text_right(REGULAR, 9.0, 470.0, y, &line.unit_amount.to_string());
        page.text_right(REGULAR, 9.0, right, y, &line.amount.to_string());
        y -= 14.0;
    }
    if invoice.lines.len() > MAX_LINES {
        let more = format!("... and {} more lines", invoice.lines.len() - MAX_LINES);
        page.text(REGULAR, 9.0, MARGIN, y, &more);
        y -= 14.0;
    }
    page.rule(y + 6.0);
    y -= 10.0;
    for (label, amount, font) in [
        ("Subtotal", &invoice.subtotal, REGULAR),
        ("Tax", &invoice.tax, REGULAR),
        ("Total", &invoice.total, BOLD),
    ] {
        page.text_right(font, 10.0, 470.0, y, label);
        page.text_right(font, 10.0, right, y, &amount.to_string());
        y -= 14.0;
    }
    page.text(
        REGULAR,
        8.0,
        MARGIN,
        MARGIN,
        &format!("All amounts in {}.", invoice.total.currency.as_str()),
    );
    write_document(invoice, page.content)
}

fn write_document(invoice: &InvoiceView, content: Content) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let page_id = Ref::new(3);
    let regular = Ref::new(4);
    let bold = Ref::new(5);
    let content_id = Ref::new(6);
    let info = Ref::new(7);

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
    page.parent(tree);
    page.contents(content_id);
    let mut resources = page.resources();
    let mut fonts = resources.fonts();
    fonts.pair(REGULAR, regular);
    fonts.pair(BOLD, bold);
    fonts.finish();
    resources.finish();
    page.finish();
    for (id, name) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
        pdf.type1_font(id)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.stream(content_id, &content.finish());
    let title = format!("Invoice {}", invoice.number);
    pdf.document_info(info)
        .title(TextStr(&title))
        .producer(TextStr("IGNY8"));
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_latin1_with_euro() {
        assert_eq!(encode("A€é✓"), vec![b'A', 0x80, 0xE9, b'?']);
    }
}
