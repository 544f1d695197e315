//! Register readers: the VZD address register and the CSB 1 km grid
//! (implemented in a later commit).

use super::{Emit, IngestError, ReadContext};
use std::path::Path;

pub fn read_vzd(_path: &Path, ctx: &mut ReadContext, _emit: &mut Emit) -> Result<(), IngestError> {
    Err(IngestError::Usage(format!("{}: the VZD reader is not built yet", ctx.file)))
}

pub fn read_csb_grid(_path: &Path, ctx: &mut ReadContext, _emit: &mut Emit) -> Result<(), IngestError> {
    Err(IngestError::Usage(format!("{}: the CSB grid reader is not built yet", ctx.file)))
}
