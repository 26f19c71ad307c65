//! QR codes for the letters, as inline SVG: the resident scans it and lands on the answer
//! page with the access code filled in.
//!
//! The symbol is encoded by the `qrcode` crate (error correction level M, which survives
//! some smudging on paper) and drawn here as one SVG path in module units with the
//! standard four-module quiet zone. Runs of dark modules in a row become one rectangle,
//! which keeps the SVG small. The SVG has no fixed size: the print CSS sets its width
//! (about 25–30 mm prints reliably).

use std::fmt::Write;

use qrcode::{Color, EcLevel, QrCode};
use thiserror::Error;

/// Light modules around the symbol, as the QR standard asks.
pub const QUIET_ZONE: usize = 4;

/// Why no QR code could be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QrError {
    /// The text does not fit in a QR code.
    #[error("the text to put in the QR code ({0} bytes) is too long; shorten the survey URL")]
    TooLong(usize),
}

/// The QR code's modules: `width × width`, row-major, `true` for dark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    /// Modules per side, without the quiet zone.
    pub width: usize,
    /// Dark modules, row by row.
    pub dark: Vec<bool>,
}

/// Encodes `payload` (the answer URL with the code) at error correction level M.
pub fn qr_matrix(payload: &str) -> Result<QrMatrix, QrError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .map_err(|_| QrError::TooLong(payload.len()))?;
    Ok(QrMatrix {
        width: code.width(),
        dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect(),
    })
}

/// The QR code for `payload` as an SVG element to put inline in a page. `label` becomes
/// its accessible name (for example `ログイン用QRコード`).
pub fn qr_svg(payload: &str, label: &str) -> Result<String, QrError> {
    let matrix = qr_matrix(payload)?;
    let side = matrix.width + 2 * QUIET_ZONE;
    let mut svg = String::with_capacity(64 + matrix.width * matrix.width * 4);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" shape-rendering="crispEdges" role="img" aria-label="{label}"><title>{label}</title><rect width="{side}" height="{side}" fill="#fff"/><path fill="#000" d=""##,
        label = escape_xml(label),
    );
    for (y, row) in matrix.dark.chunks(matrix.width).enumerate() {
        let mut x = 0;
        while x < row.len() {
            if !row[x] {
                x += 1;
                continue;
            }
            let run = row[x..].iter().take_while(|&&dark| dark).count();
            let _ = write!(
                svg,
                "M{} {}h{}v1h-{}z",
                x + QUIET_ZONE,
                y + QUIET_ZONE,
                run,
                run
            );
            x += run;
        }
    }
    svg.push_str(r#""/></svg>"#);
    Ok(svg)
}

/// The QR code for `payload` as a PNG image (black on white, the quiet zone included), each
/// module `module_px` pixels square: for a flyer, a slide or a poster.
pub fn qr_png(payload: &str, module_px: u32) -> Result<Vec<u8>, QrError> {
    let matrix = qr_matrix(payload)?;
    let side_modules = matrix.width + 2 * QUIET_ZONE;
    let module_px = module_px.clamp(1, 64) as usize;
    let side = side_modules * module_px;
    let mut pixels = vec![255u8; side * side];
    for (y, row) in matrix.dark.chunks(matrix.width).enumerate() {
        for (x, _) in row.iter().enumerate().filter(|(_, dark)| **dark) {
            let (left, top) = ((x + QUIET_ZONE) * module_px, (y + QUIET_ZONE) * module_px);
            for line in pixels[top * side..(top + module_px) * side].chunks_mut(side) {
                line[left..left + module_px].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let written = encoder
            .write_header()
            .and_then(|mut writer| writer.write_image_data(&pixels));
        // Writing to memory fails only on an impossible size, which qr_matrix rules out.
        written.map_err(|_| QrError::TooLong(payload.len()))?;
    }
    Ok(out)
}

fn escape_xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_holds_the_same_modules_at_the_asked_size() {
        let payload = "https://city.example.jp/o/gatekeeper-2026";
        let png_bytes = qr_png(payload, 8).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(&png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        let matrix = qr_matrix(payload).unwrap();
        let side = matrix.width + 2 * QUIET_ZONE;
        assert_eq!(
            (info.width, info.height),
            ((side * 8) as u32, (side * 8) as u32)
        );
        for y in 0..matrix.width {
            for x in 0..matrix.width {
                let px = pixels[((y + QUIET_ZONE) * 8 + 4) * side * 8 + (x + QUIET_ZONE) * 8 + 4];
                assert_eq!(px == 0, matrix.dark[y * matrix.width + x], "module {x},{y}");
            }
        }
    }

    /// Reads the dark modules back out of the path the SVG draws.
    fn modules_from_svg(svg: &str, side: usize) -> Vec<bool> {
        let path = svg
            .split(" d=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a path");
        let mut grid = vec![false; side * side];
        for command in path.split('M').filter(|c| !c.is_empty()) {
            let numbers: Vec<usize> = command
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .map(|n| n.parse().expect("number"))
                .collect();
            let (x, y, run) = (numbers[0], numbers[1], numbers[2]);
            assert_eq!(numbers[3], 1, "each rectangle is one module high");
            assert_eq!(numbers[4], run, "each rectangle closes on itself");
            for dx in 0..run {
                grid[y * side + x + dx] = true;
            }
        }
        grid
    }

    #[test]
    fn the_svg_draws_exactly_the_dark_modules_of_the_code_inside_a_quiet_zone() {
        let payload = "https://survey.example.jp/r/ABCD-EFGH-JKLM";
        let svg = qr_svg(payload, "QRコード").expect("fits");
        let matrix = qr_matrix(payload).expect("fits");
        let side = matrix.width + 2 * QUIET_ZONE;
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains(&format!("viewBox=\"0 0 {side} {side}\"")));
        let drawn = modules_from_svg(&svg, side);
        for y in 0..side {
            for x in 0..side {
                let inside = (QUIET_ZONE..QUIET_ZONE + matrix.width).contains(&x)
                    && (QUIET_ZONE..QUIET_ZONE + matrix.width).contains(&y);
                let expected =
                    inside && matrix.dark[(y - QUIET_ZONE) * matrix.width + (x - QUIET_ZONE)];
                assert_eq!(drawn[y * side + x], expected, "module ({x}, {y})");
            }
        }
    }

    #[test]
    fn the_code_has_the_three_finder_patterns_of_a_qr_symbol() {
        let matrix = qr_matrix("https://survey.example.jp/r/ABCD-EFGH-JKLM").expect("fits");
        let w = matrix.width;
        let dark = |x: usize, y: usize| matrix.dark[y * w + x];
        for (left, top) in [(0, 0), (w - 7, 0), (0, w - 7)] {
            for dy in 0..7 {
                for dx in 0..7 {
                    let ring = dx == 0 || dy == 0 || dx == 6 || dy == 6;
                    let centre = (2..=4).contains(&dx) && (2..=4).contains(&dy);
                    assert_eq!(
                        dark(left + dx, top + dy),
                        ring || centre,
                        "finder at ({left}, {top})"
                    );
                }
            }
        }
        assert_eq!(
            (w - 17) % 4,
            0,
            "a QR symbol is 17 + 4·version modules wide"
        );
    }

    #[test]
    fn the_same_payload_gives_the_same_svg_and_another_payload_does_not() {
        let a = qr_svg("https://survey.example.jp/r/ABCD", "QR").expect("fits");
        let b = qr_svg("https://survey.example.jp/r/ABCD", "QR").expect("fits");
        let c = qr_svg("https://survey.example.jp/r/ABCE", "QR").expect("fits");
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn the_label_is_escaped() {
        let svg = qr_svg("x", "a<b & \"c\"").expect("fits");
        assert!(svg.contains("aria-label=\"a&lt;b &amp; &quot;c&quot;\""));
    }

    #[test]
    fn a_payload_too_long_for_any_qr_code_is_an_error() {
        let long = "x".repeat(5000);
        assert_eq!(qr_svg(&long, "QR"), Err(QrError::TooLong(5000)));
    }
}
