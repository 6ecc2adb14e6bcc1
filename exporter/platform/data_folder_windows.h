// SPDX-License-Identifier: Apache-2.0
// The Windows service's data folder (%ProgramData%\ephemeral_port_exporter):
// created with the protected DACL, or checked (data_folder_acl.h judges it).
#pragma once

#include <string>

namespace epx {

/// Creates the folder at `path` with the protected DACL, or checks the one
/// there: a folder others may write gets that DACL where this account may set
/// it (*note says what was done); one owned by someone else, or a reparse
/// point, is refused (false, *refusal says why).
bool PrepareDataFolder(const std::wstring& path, std::string* note,
                       std::string* refusal);

}  // namespace epx
