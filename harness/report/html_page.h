#pragma once
// `compare --format html`: one self-contained page (inline CSS and SVG, no scripts, nothing fetched)
// with the comparison tables and the charts of compare_charts.h.

#include <string>

#include "harness/report/compare_table.h"

namespace engram::report {

std::string render_html(const Comparison& comparison);

// Escapes &, <, >, " and ' for element text and attribute values.
std::string escape_html(const std::string& text);

}  // namespace engram::report
