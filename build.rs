//! Rebuilds the crate when a migration changes: `db::mod` embeds the migration folders at
//! compile time, and cargo would not otherwise notice a new or edited migration.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
