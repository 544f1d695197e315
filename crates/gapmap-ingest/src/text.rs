//! Text-stream helpers shared by the CSV-based readers.

use std::io::{BufRead, Read};

/// Turns CRLF line ends into LF while streaming. The csv crate numbers the
/// records of a CRLF file one line too low; with LF its line numbers are
/// right, and problems name the line an editor shows.
#[derive(Debug)]
pub struct CrlfToLf<R> {
    inner: R,
    pending_cr: bool,
}

impl<R> CrlfToLf<R> {
    pub fn new(inner: R) -> CrlfToLf<R> {
        CrlfToLf {
            inner,
            pending_cr: false,
        }
    }
}

impl<R: BufRead> Read for CrlfToLf<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                if self.pending_cr {
                    self.pending_cr = false;
                    out[0] = b'\r';
                    return Ok(1);
                }
                return Ok(0);
            }
            let (mut i, mut n) = (0, 0);
            while i < buf.len() && n < out.len() {
                let b = buf[i];
                if self.pending_cr {
                    self.pending_cr = false;
                    // A lone CR is kept; the byte after it is looked at again.
                    out[n] = if b == b'\n' { b'\n' } else { b'\r' };
                    n += 1;
                    if b == b'\n' {
                        i += 1;
                    }
                    continue;
                }
                i += 1;
                if b == b'\r' {
                    self.pending_cr = true;
                } else {
                    out[n] = b;
                    n += 1;
                }
            }
            self.inner.consume(i);
            if n > 0 {
                return Ok(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    #[test]
    fn crlf_to_lf_streams() -> std::io::Result<()> {
        use std::io::Read;
        for (input, want) in [
            ("a\r\nb\r\n", "a\nb\n"),
            ("a\rb\r", "a\rb\r"),
            ("\r\r\n", "\r\n"),
            ("", ""),
        ] {
            // A one-byte buffer and a one-byte output exercise every boundary.
            let mut r = CrlfToLf::new(BufReader::with_capacity(1, input.as_bytes()));
            let mut got = Vec::new();
            let mut b = [0u8; 1];
            loop {
                match r.read(&mut b)? {
                    0 => break,
                    _ => got.push(b[0]),
                }
            }
            assert_eq!(String::from_utf8_lossy(&got), want, "{input:?}");
        }
        Ok(())
    }
}
