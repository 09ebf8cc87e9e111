//! The typeface of invoice PDFs: DejaVu Sans, regular and bold, as the `dejavu` crate bundles it.
//! It covers Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew and Arabic letters and the common
//! symbols, so a customer's name and address print as they typed them (the base-14 Helvetica we
//! used before reached Latin-1 only). It has no Chinese, Japanese or Korean glyphs: those print as
//! the font's empty box.
//!
//! A document embeds only the glyphs it uses (`subsetter`), as a CID-keyed TrueType font
//! (`Identity-H`: two bytes per glyph) with a `ToUnicode` map, so a reader can search and copy the
//! text and a few kilobytes carry the font.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Finish, Name, Pdf, Rect, Ref, Str};
use std::collections::BTreeMap;
use std::sync::LazyLock;
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

/// One typeface file, parsed once.
pub struct Typeface {
    /// The PostScript name readers show.
    name: &'static str,
    data: &'static [u8],
    face: Face<'static>,
    /// Font units to the PDF's thousandths of an em.
    scale: f32,
}

pub static REGULAR: LazyLock<Typeface> =
    LazyLock::new(|| Typeface::load("DejaVuSans", dejavu::sans::regular()));
pub static BOLD: LazyLock<Typeface> =
    LazyLock::new(|| Typeface::load("DejaVuSans-Bold", dejavu::sans::bold()));

impl Typeface {
    fn load(name: &'static str, data: &'static [u8]) -> Typeface {
        // The bundled files are known good; a failure here is a broken build, not bad input.
        let face = Face::parse(data, 0).expect("the bundled DejaVu font parses");
        let scale = 1000.0 / f32::from(face.units_per_em());
        Typeface {
            name,
            data,
            face,
            scale,
        }
    }

    /// The glyph that draws `c`; 0 (the empty box) when the typeface has none.
    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).map_or(0, |g| g.0)
    }

    /// How far a glyph advances the pen, in thousandths of an em.
    fn advance(&self, glyph: u16) -> f32 {
        f32::from(self.face.glyph_hor_advance(GlyphId(glyph)).unwrap_or(0)) * self.scale
    }

    /// The width of `text` set at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let em: f32 = text.chars().map(|c| self.advance(self.glyph(c))).sum();
        em * size / 1000.0
    }

    /// Whether the typeface draws `c` (not the empty box).
    pub fn has(&self, c: char) -> bool {
        c.is_whitespace() || self.glyph(c) != 0
    }

    fn units(&self, value: i16) -> f32 {
        f32::from(value) * self.scale
    }
}

/// A typeface as one document uses it: the glyphs it shows, renumbered for the subset, and the
/// text each stands for.
pub struct EmbeddedFont {
    typeface: &'static Typeface,
    glyphs: GlyphRemapper,
    text_of: BTreeMap<u16, char>,
}

impl EmbeddedFont {
    pub fn new(typeface: &'static Typeface) -> EmbeddedFont {
        EmbeddedFont {
            typeface,
            glyphs: GlyphRemapper::new(),
            text_of: BTreeMap::new(),
        }
    }

    pub fn typeface(&self) -> &'static Typeface {
        self.typeface
    }

    /// `text` as a content stream shows it in this font: each glyph's number in the subset, two
    /// bytes big-endian.
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let glyph = self.typeface.glyph(c);
            let cid = self.glyphs.remap(glyph);
            if glyph != 0 {
                self.text_of.entry(cid).or_insert(c);
            }
            bytes.extend(cid.to_be_bytes());
        }
        bytes
    }

    /// The number of PDF objects [`write`](Self::write) uses, from its first reference on.
    pub const OBJECTS: i32 = 5;

    /// Writes the font (its Type0 dictionary at `first`, then the CID font, descriptor, subset
    /// file and ToUnicode map at the following references).
    pub fn write(&self, pdf: &mut Pdf, first: Ref) {
        let [type0, cid, descriptor, file, cmap] =
            [0, 1, 2, 3, 4].map(|offset| Ref::new(first.get() + offset));
        let typeface = self.typeface;
        let name = Name(typeface.name.as_bytes());
        let system = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };

        pdf.type0_font(type0)
            .base_font(name)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);

        let mut cid_font = pdf.cid_font(cid);
        cid_font
            .subtype(CidFontType::Type2)
            .base_font(name)
            .system_info(system)
            .font_descriptor(descriptor)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let widths: Vec<f32> = self
            .glyphs
            .remapped_gids()
            .map(|glyph| typeface.advance(glyph))
            .collect();
        cid_font.widths().consecutive(0, widths);
        cid_font.finish();

        let face = &typeface.face;
        let bbox = face.global_bounding_box();
        let mut flags = FontFlags::NON_SYMBOLIC;
        if typeface.name.ends_with("Bold") {
            flags |= FontFlags::FORCE_BOLD;
        }
        pdf.font_descriptor(descriptor)
            .name(name)
            .flags(flags)
            .bbox(Rect::new(
                typeface.units(bbox.x_min),
                typeface.units(bbox.y_min),
                typeface.units(bbox.x_max),
                typeface.units(bbox.y_max),
            ))
            .italic_angle(0.0)
            .ascent(typeface.units(face.ascender()))
            .descent(typeface.units(face.descender()))
            .cap_height(typeface.units(face.capital_height().unwrap_or(face.ascender())))
            .stem_v(80.0)
            .font_file2(file);

        // The bundled fonts subset; should one ever not, the whole file still prints right.
        let subset = subsetter::subset(typeface.data, 0, &self.glyphs)
            .unwrap_or_else(|_| typeface.data.to_vec());
        pdf.stream(file, &subset)
            .pair(Name(b"Length1"), subset.len() as i32);

        let mut unicode = UnicodeCmap::new(Name(b"Custom"), system);
        for (cid, c) in &self.text_of {
            unicode.pair(*cid, *c);
        }
        pdf.cmap(cmap, &unicode.finish());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typeface_draws_names_beyond_latin_1() {
        for c in ['é', 'Ø', 'ł', 'Ж', 'λ', 'ש', '€', 'ğ'] {
            assert!(REGULAR.has(c), "{c} has no glyph");
            assert!(BOLD.has(c), "{c} has no bold glyph");
        }
        assert!(REGULAR.width("WWW", 10.0) > REGULAR.width("iii", 10.0));
    }

    #[test]
    fn glyphs_are_numbered_in_the_order_the_document_uses_them() {
        let mut font = EmbeddedFont::new(&REGULAR);
        assert_eq!(font.encode("ab"), [0, 1, 0, 2]);
        assert_eq!(font.encode("ba"), [0, 2, 0, 1]);
        assert_eq!(font.text_of.get(&2), Some(&'b'));
    }
}
