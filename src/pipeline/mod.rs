pub mod json;
pub mod timestamp;
pub mod uuid;
