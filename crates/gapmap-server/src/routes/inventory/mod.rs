//! The living inventory (issue: accounts, edits, audit, versions, reports):
//! the routes that write, and the histories they leave.

pub mod account;
pub mod doc;
pub mod edits;
pub mod history;
pub mod reports;

use crate::headers::write_resource;
use actix_web::web;

/// Register the inventory's routes. Every resource that changes something is
/// same-origin (no CORS; a foreign `Origin` is refused); reads of the public
/// parts (a report's status, what changed) are too, being small and
/// per-person, except `/api/v1/changes`, an open-data read.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        write_resource("/api/v1/session", "GET, HEAD, POST, DELETE")
            .route(web::get().to(account::whoami))
            .route(web::head().to(account::whoami))
            .route(web::post().to(account::sign_in))
            .route(web::delete().to(account::sign_out)),
    )
    .service(
        write_resource("/api/v1/tokens", "GET, HEAD, POST")
            .route(web::get().to(account::list_tokens))
            .route(web::head().to(account::list_tokens))
            .route(web::post().to(account::create_token)),
    )
    .service(
        write_resource("/api/v1/users", "GET, HEAD, POST")
            .route(web::get().to(account::list_users))
            .route(web::head().to(account::list_users))
            .route(web::post().to(account::add_user)),
    )
    .service(
        write_resource("/api/v1/tokens/{id}", "DELETE")
            .route(web::delete().to(account::revoke_token)),
    )
    .service(
        write_resource("/api/v1/reports", "GET, HEAD, POST")
            .route(web::get().to(reports::queue))
            .route(web::head().to(reports::queue))
            .route(web::post().to(reports::submit)),
    )
    .service(
        write_resource("/api/v1/reports/cells", "GET, HEAD")
            .route(web::get().to(reports::cells))
            .route(web::head().to(reports::cells)),
    )
    .service(
        write_resource("/api/v1/reports/{reference}", "GET, HEAD")
            .route(web::get().to(reports::status))
            .route(web::head().to(reports::status)),
    )
    .service(
        write_resource("/api/v1/reports/{reference}/decision", "POST")
            .route(web::post().to(reports::decide)),
    )
    .service(
        write_resource("/api/v1/audit", "GET, HEAD")
            .route(web::get().to(history::audit_log))
            .route(web::head().to(history::audit_log)),
    )
    .service(crate::headers::read_resource(
        "/api/v1/changes",
        history::changes,
    ))
    .service(
        write_resource("/api/v1/{layer:equipment|visits|buildings}", "POST")
            .route(web::post().to(edits::create)),
    )
    .service(
        write_resource(
            "/api/v1/{layer:sites|equipment|visits|buildings}/{id}",
            "GET, HEAD, PATCH, DELETE",
        )
        .route(web::get().to(edits::get_one))
        .route(web::head().to(edits::get_one))
        .route(web::patch().to(edits::patch))
        .route(web::delete().to(edits::retire)),
    );
}
