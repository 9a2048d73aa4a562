//! WeChat Pay Native's `code_url` as a picture: a `weixin://` link does nothing when tapped, so the
//! customer gets a QR code to scan in WeChat (long-press "识别图中二维码" inside WeChat works too).
//! Black modules on white, four modules of quiet zone, eight pixels a module: a phone camera reads
//! it off another screen.

const SCALE: usize = 8;
const QUIET_ZONE: usize = 4;

/// The PNG of `text` as a QR code (error correction M, as WeChat's own codes use).
pub fn qr_png(text: &str) -> Result<Vec<u8>, String> {
    let code = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Medium)
        .map_err(|_| format!("{} characters are too long for a QR code", text.len()))?;
    let modules = code.size() as usize;
    let side = (modules + 2 * QUIET_ZONE) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for y in 0..modules {
        for x in 0..modules {
            if code.get_module(x as i32, y as i32) {
                for dy in 0..SCALE {
                    let row = (y + QUIET_ZONE) * SCALE + dy;
                    let start = row * side + (x + QUIET_ZONE) * SCALE;
                    pixels[start..start + SCALE].fill(0);
                }
            }
        }
    }
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picture_holds_the_code_module_for_module() {
        let text = "weixin://wxpay/bizpayurl?pr=AbCdEf123";
        let png = qr_png(text).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut pixels).unwrap();
        let code = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Medium).unwrap();
        let modules = code.size() as usize;
        assert_eq!(frame.width as usize, (modules + 8) * SCALE);
        let side = frame.width as usize;
        for y in 0..modules {
            for x in 0..modules {
                // The centre pixel of each module.
                let row = (y + QUIET_ZONE) * SCALE + SCALE / 2;
                let column = (x + QUIET_ZONE) * SCALE + SCALE / 2;
                let dark = pixels[row * side + column] == 0;
                assert_eq!(dark, code.get_module(x as i32, y as i32), "module {x},{y}");
            }
        }
        // The quiet zone is white all round.
        assert!(pixels[..side * QUIET_ZONE * SCALE]
            .iter()
            .all(|p| *p == 255));
    }

    #[test]
    fn text_too_long_for_a_code_is_said() {
        assert!(qr_png(&"x".repeat(5000)).unwrap_err().contains("too long"));
    }
}
