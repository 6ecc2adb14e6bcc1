// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace epx {

/// The runbook (docs/runbook.md) as one self-contained HTML page, one
/// anchor per heading; rendered at build time by render_runbook.py.
const std::string& RunbookHtml();

}  // namespace epx
