//! Read one file: pick the reader, stream its features through validation.

use crate::error::IngestError;
use crate::feature::{FileStats, Input, ReadContext};
use crate::format::{Format, detect_format, display_name};
use crate::options::Options;
use crate::problem;
use crate::problem::{Location, Problems};
use crate::raw::RawFeature;
use crate::validate;
use crate::{csv, geojson, gpkg, mapping, plan, registers, shp};
use gapmap_model::{Layer, Record};
use std::path::Path;

/// The records of one file, for callers that want them in memory (tests, the
/// embedded dataset); large files should use [`read_file`] with a sink.
pub fn read_to_vec(
    path: &Path,
    opts: &Options,
    problems: &mut Problems,
) -> Result<(Layer, Vec<Record>), IngestError> {
    let format = detect_format(path, opts.format)?;
    let mut out = Vec::new();
    let layer = read_file(
        &Input {
            path: path.to_owned(),
            format,
        },
        opts,
        problems,
        &mut |r| {
            out.push(r);
            Ok(())
        },
    )?;
    Ok((layer.0, out))
}

/// Read, validate and emit every valid record of a file. Returns the layer and
/// counts; problems go to `problems`. The sink may fail (a store error), which
/// stops the read.
pub fn read_file(
    input: &Input,
    opts: &Options,
    problems: &mut Problems,
    sink: &mut dyn FnMut(Record) -> Result<(), IngestError>,
) -> Result<(Layer, FileStats), IngestError> {
    let file = display_name(&input.path);
    let mut validator: Option<(validate::Validator, mapping::LayerMapping)> = None;
    let mut stats = FileStats::default();
    let mut sink_error: Option<IngestError> = None;
    let mut emit = |mut raw: RawFeature, ctx: &mut ReadContext| {
        if sink_error.is_some() {
            return;
        }
        stats.read += 1;
        if let Some(p) = &opts.progress {
            p.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let (v, m) = match &mut validator {
            Some(v) => v,
            None => match opts
                .layer
                .or_else(|| {
                    matches!(input.format, Format::VzdAddress | Format::CsbGrid)
                        .then_some(Layer::Demand)
                })
                .or_else(|| infer_layer(&raw, &opts.mapping))
            {
                Some(layer) => match opts.mapping.for_layer(layer) {
                    Ok(m) => validator.insert((validate::Validator::new(layer, &file, opts), m)),
                    Err(e) => {
                        sink_error = Some(IngestError::Usage(format!("{file}: {e}")));
                        return;
                    }
                },
                None => {
                    sink_error = Some(IngestError::Usage(format!(
                        "{file}: cannot tell the layer from the properties of the first feature; pass --layer ({})",
                        Layer::names()
                    )));
                    return;
                }
            },
        };
        if !m.apply(&mut raw) {
            stats.filtered += 1;
            return;
        }
        if let Some(record) = v.accept(raw, ctx.crs, ctx.problems) {
            stats.valid += 1;
            if let Err(e) = sink(record) {
                sink_error = Some(e);
            }
        }
    };
    let errors_before = problems.errors();
    let mut ctx = ReadContext {
        rejected: 0,
        file: &file,
        crs: opts.crs.unwrap_or(gapmap_geo::crs::WGS84),
        crs_given: opts.crs.is_some(),
        problems,
        opts,
    };
    match input.format {
        Format::GeoJson => geojson::read(&input.path, &mut ctx, &mut emit)?,
        Format::Csv => csv::read(&input.path, &mut ctx, &mut emit)?,
        Format::Gpkg => gpkg::read(&input.path, &mut ctx, &mut emit)?,
        Format::Shp => shp::read(&input.path, &mut ctx, &mut emit)?,
        Format::VzdAddress => registers::read_vzd(&input.path, &mut ctx, &mut emit)?,
        Format::CsbGrid => registers::read_csb_grid(&input.path, &mut ctx, &mut emit)?,
        Format::PlanJson => plan::read(&input.path, &mut ctx, &mut emit)?,
    }
    if let Some(e) = sink_error {
        return Err(e);
    }
    if let Some(e) = validator
        .as_ref()
        .and_then(|(_, m)| m.missing_fields(&file))
    {
        return Err(IngestError::Usage(e));
    }
    let layer = match (&validator, input.format) {
        (Some((v, _)), _) => v.layer(),
        (None, Format::PlanJson) => Layer::Plan,
        (None, Format::VzdAddress | Format::CsbGrid) => opts.layer.unwrap_or(Layer::Demand),
        (None, _) => opts.layer.unwrap_or(Layer::Sites),
    };
    stats.read += ctx.rejected;
    if stats.read == 0 && ctx.problems.errors() == errors_before {
        ctx.problems.push(
            problem::At {
                file: &file,
                location: Location::File,
            }
            .problem(
                problem::Severity::Warning,
                None,
                "the file holds no features",
                None,
            ),
        );
    }
    Ok((layer, stats))
}

fn infer_layer(raw: &RawFeature, mapping: &mapping::FieldMapping) -> Option<Layer> {
    let (keys, kind) = mapping.preview(raw);
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let kind = kind.map(|k| k.to_lowercase());
    gapmap_model::schema::infer_layer(&keys, kind.as_deref())
}
