// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

namespace epx {

/// UTF-16 (Windows wide string) to UTF-8; nullptr gives "".
std::string Utf8FromWide(const wchar_t* text);
std::string Utf8FromWide(const std::wstring& text);

/// UTF-8 to UTF-16.
std::wstring WideFromUtf8(const std::string& text);

/// "<message> (error N)" for a Win32 error code or HRESULT, message in
/// English when the system has it.
std::string WindowsErrorText(std::uint32_t code);

}  // namespace epx
