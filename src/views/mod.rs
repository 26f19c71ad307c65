//! maud views: functions from data to `Markup`, one module per audience.
