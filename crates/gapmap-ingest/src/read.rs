//! Read one file: pick the reader, stream its features through validation.

use crate::error::IngestError;
use crate::feature::{Emit, FileStats, Input, ReadContext};
use crate::format::{Format, detect_format, display_name};
use crate::options::Options;
use crate::problem;
use crate::problem::{Location, Problems};
use crate::raw::RawFeature;
use crate::validate;
use crate::{csv, geojson, gpkg, mapping, opendata, plan, registers, shp};
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
    let mut pipeline = Pipeline {
        input,
        opts,
        file: &file,
        validator: None,
        stats: FileStats::default(),
        failure: None,
        sink,
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
    read_format(input, &mut ctx, &mut |raw, ctx| pipeline.take(raw, ctx))?;
    if let Some(e) = pipeline.failure {
        return Err(e);
    }
    if let Some(e) = pipeline
        .validator
        .as_ref()
        .and_then(|(_, m)| m.missing_fields(&file))
    {
        return Err(IngestError::Usage(e));
    }
    let layer = match (&pipeline.validator, input.format) {
        (Some((v, _)), _) => v.layer(),
        (None, Format::PlanJson) => Layer::Plan,
        (None, Format::VzdAddress | Format::CsbGrid) => opts.layer.unwrap_or(Layer::Demand),
        (None, Format::CultureCentres | Format::Libraries | Format::Schools) => {
            opts.layer.unwrap_or(Layer::Buildings)
        }
        (None, _) => opts.layer.unwrap_or(Layer::Sites),
    };
    let mut stats = pipeline.stats;
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

/// How many records go to the sink of [`read_file_beside`] at a time, and
/// how many such batches may wait for it.
const BATCH: usize = 1024;
const BATCHES_WAITING: usize = 4;

/// [`read_file`] on a second thread: the file is read, validated and
/// transformed there while the sink (a store's write transaction) takes the
/// records here, in order, so the two overlap on two cores. Problems are
/// the same, in the same order, as [`read_file`]'s; when the sink fails,
/// the reading stops and the sink's error is returned.
pub fn read_file_beside(
    input: &Input,
    opts: &Options,
    problems: &mut Problems,
    sink: &mut dyn FnMut(Record) -> Result<(), IngestError>,
) -> Result<(Layer, FileStats), IngestError> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Record>>(BATCHES_WAITING);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut own = Problems::default();
            let mut batch = Vec::with_capacity(BATCH);
            let send = |batch: Vec<Record>| {
                tx.send(batch).map_err(|_| IngestError::Io {
                    path: display_name(&input.path),
                    source: std::io::Error::other("the store stopped taking records"),
                })
            };
            let read = read_file(input, opts, &mut own, &mut |r| {
                batch.push(r);
                if batch.len() == BATCH {
                    send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))?;
                }
                Ok(())
            });
            let read = match read {
                Ok(done) if !batch.is_empty() => send(batch).map(|()| done),
                other => other,
            };
            (read, own)
        });
        let mut failure = None;
        'batches: for batch in &rx {
            for r in batch {
                if let Err(e) = sink(r) {
                    failure = Some(e);
                    break 'batches;
                }
            }
        }
        drop(rx); // the reader's next send fails: it stops
        let (read, own) = match reader.join() {
            Ok(done) => done,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        problems.append(own);
        match failure {
            Some(e) => Err(e),
            None => read,
        }
    })
}

/// Run the reader of the input's format.
fn read_format(input: &Input, ctx: &mut ReadContext, emit: &mut Emit) -> Result<(), IngestError> {
    match input.format {
        Format::GeoJson => geojson::read(&input.path, ctx, emit),
        Format::Csv => csv::read(&input.path, ctx, emit),
        Format::Gpkg => gpkg::read(&input.path, ctx, emit),
        Format::Shp => shp::read(&input.path, ctx, emit),
        Format::VzdAddress => registers::read_vzd(&input.path, ctx, emit),
        Format::CsbGrid => registers::read_csb_grid(&input.path, ctx, emit),
        Format::PlanJson => plan::read(&input.path, ctx, emit),
        Format::CultureCentres => {
            opendata::read(&input.path, &opendata::CULTURE_CENTRES, ctx, emit)
        }
        Format::Libraries => opendata::read(&input.path, &opendata::LIBRARIES, ctx, emit),
        Format::Schools => opendata::read(&input.path, &opendata::SCHOOLS, ctx, emit),
    }
}

/// Where the features a reader emits go: counted, mapped, validated (by a
/// validator made for the layer of the first) and handed to the sink, until
/// something fails.
struct Pipeline<'a> {
    input: &'a Input,
    opts: &'a Options,
    file: &'a str,
    validator: Option<(validate::Validator, mapping::LayerMapping)>,
    stats: FileStats,
    /// What stopped the pipeline: no layer, a bad mapping, or the sink.
    failure: Option<IngestError>,
    sink: &'a mut dyn FnMut(Record) -> Result<(), IngestError>,
}

impl Pipeline<'_> {
    /// Take one feature from the reader.
    fn take(&mut self, mut raw: RawFeature, ctx: &mut ReadContext) {
        if self.failure.is_some() {
            return;
        }
        self.stats.read += 1;
        if let Some(p) = &self.opts.progress {
            p.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        if self.validator.is_none() {
            match self.make_validator(&raw) {
                Ok(v) => self.validator = Some(v),
                Err(e) => {
                    self.failure = Some(e);
                    return;
                }
            }
        }
        let Some((v, m)) = &mut self.validator else {
            return;
        };
        if !m.apply(&mut raw) {
            self.stats.filtered += 1;
            return;
        }
        if let Some(record) = v.accept(raw, ctx.crs, ctx.problems) {
            self.stats.valid += 1;
            if let Err(e) = (self.sink)(record) {
                self.failure = Some(e);
            }
        }
    }

    /// The validator and mapping for the layer: `--layer`, else demand for
    /// the registers, else the one the first feature's properties name.
    fn make_validator(
        &self,
        first: &RawFeature,
    ) -> Result<(validate::Validator, mapping::LayerMapping), IngestError> {
        let file = self.file;
        let layer = self
            .opts
            .layer
            .or(match self.input.format {
                Format::VzdAddress | Format::CsbGrid => Some(Layer::Demand),
                Format::CultureCentres | Format::Libraries | Format::Schools => {
                    Some(Layer::Buildings)
                }
                _ => None,
            })
            .or_else(|| infer_layer(first, &self.opts.mapping))
            .ok_or_else(|| {
                IngestError::Usage(format!(
                    "{file}: cannot tell the layer from the properties of the first feature; pass --layer ({})",
                    Layer::names()
                ))
            })?;
        let m = self
            .opts
            .mapping
            .for_layer(layer)
            .map_err(|e| IngestError::Usage(format!("{file}: {e}")))?;
        Ok((validate::Validator::new(layer, file, self.opts), m))
    }
}

fn infer_layer(raw: &RawFeature, mapping: &mapping::FieldMapping) -> Option<Layer> {
    let (keys, kind) = mapping.preview(raw);
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let kind = kind.map(|k| k.to_lowercase());
    gapmap_model::schema::infer_layer(&keys, kind.as_deref())
}
