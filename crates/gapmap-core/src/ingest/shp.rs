//! Zipped ESRI Shapefile reader (implemented in a later commit).

use super::{Emit, IngestError, ReadContext};
use std::path::Path;

pub fn read(_path: &Path, ctx: &mut ReadContext, _emit: &mut Emit) -> Result<(), IngestError> {
    Err(IngestError::Usage(format!("{}: Shapefile reading is not built yet", ctx.file)))
}
