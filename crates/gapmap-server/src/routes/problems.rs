use crate::problem::{Kind, Problem};
use actix_web::{HttpResponse, web};
use serde_json::json;

/// `GET /problems/{slug}`: what a problem `type` means.
pub async fn problem_type(slug: web::Path<String>) -> Result<HttpResponse, Problem> {
    let kind = Kind::from_slug(&slug)
        .ok_or_else(|| Problem::not_found(format!("no problem type `{slug}`")))?;
    Ok(HttpResponse::Ok().json(
        json!({"type": kind.type_uri(), "title": kind.title(), "status": kind.status().as_u16()}),
    ))
}
