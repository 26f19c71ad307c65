//! What the command line and the pages both do, once, below both: plain inputs in, typed
//! errors out that each side words in its own way.

pub mod accounts;
pub mod backup;
pub mod codes;
pub mod consultation;
pub mod digest;
pub mod lifecycle;
pub mod notices;
pub mod previous_wave;
pub mod register;
pub mod sample;
pub mod surveys;
