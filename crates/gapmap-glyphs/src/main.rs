//! `gapmap-glyphs FONT… --out DIR [--ranges 0,256,8192]`: write the MapLibre
//! glyph ranges (`DIR/{fontstack}/{start}-{end}.pbf`, 256 code points each,
//! SDF at 24 px with radius 8 and cutoff 0.25, as node-fontnik and martin do)
//! of each font. The fontstack is the font's family and style name, e.g.
//! `DejaVu Sans Book`. Run by `web/build.mjs` at build time; the server only
//! serves the files.
//!
//! The default ranges cover Latin-1, Latin Extended-A (every Latvian and
//! Lithuanian letter) and General Punctuation („quotes”, dashes).

use pbf_font_tools::prost::Message;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
enum Error {
    #[error("usage: gapmap-glyphs FONT… --out DIR [--ranges 0,256,8192]")]
    Usage,
    #[error("--ranges: `{0}` is not a multiple of 256")]
    Range(String),
    #[error("{font}: {message}")]
    Font { font: PathBuf, message: String },
    #[error("{path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

const DEFAULT_RANGES: [u32; 3] = [0, 256, 8192];

fn parse_args() -> Result<(Vec<PathBuf>, PathBuf, Vec<u32>), Error> {
    let mut fonts = Vec::new();
    let mut out = None;
    let mut ranges = DEFAULT_RANGES.to_vec();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = Some(PathBuf::from(args.next().ok_or(Error::Usage)?)),
            "--ranges" => {
                ranges = args
                    .next()
                    .ok_or(Error::Usage)?
                    .split(',')
                    .map(|s| match s.trim().parse::<u32>() {
                        Ok(n) if n % 256 == 0 => Ok(n),
                        _ => Err(Error::Range(s.to_owned())),
                    })
                    .collect::<Result<_, _>>()?;
            }
            _ => fonts.push(PathBuf::from(a)),
        }
    }
    match (fonts.is_empty(), out) {
        (false, Some(out)) => Ok((fonts, out, ranges)),
        _ => Err(Error::Usage),
    }
}

fn write_font(font: &Path, out: &Path, ranges: &[u32]) -> Result<String, Error> {
    let mut name = None;
    for &start in ranges {
        let end = start + 255;
        let glyphs =
            pbf_font_tools::glyph_range_for_font(font, start, end, 24, 8, 0.25).map_err(|e| {
                Error::Font {
                    font: font.to_owned(),
                    message: e.to_string(),
                }
            })?;
        let stack = glyphs.stacks.first().ok_or_else(|| Error::Font {
            font: font.to_owned(),
            message: "no face in the font".into(),
        })?;
        let dir = out.join(&stack.name);
        std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
            path: dir.clone(),
            source,
        })?;
        let path = dir.join(format!("{start}-{end}.pbf"));
        std::fs::write(&path, glyphs.encode_to_vec()).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        name = Some(stack.name.clone());
    }
    name.ok_or(Error::Usage)
}

fn main() -> std::process::ExitCode {
    let run = || -> Result<(), Error> {
        let (fonts, out, ranges) = parse_args()?;
        for f in &fonts {
            let name = write_font(f, &out, &ranges)?;
            println!("{name}");
        }
        Ok(())
    };
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e @ Error::Usage) | Err(e @ Error::Range(_)) => {
            eprintln!("gapmap-glyphs: {e}");
            std::process::ExitCode::from(64)
        }
        Err(e) => {
            eprintln!("gapmap-glyphs: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
