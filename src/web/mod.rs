//! HTTP handlers by audience: resident, staff entry, planner, admin. Thin: parse, call db, render.
