// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/win_util.h"

#include <windows.h>

#include <cstdio>

namespace epx {

std::string Utf8FromWide(const wchar_t* text) {
  if (text == nullptr || *text == L'\0') return "";
  int n =
      WideCharToMultiByte(CP_UTF8, 0, text, -1, nullptr, 0, nullptr, nullptr);
  if (n <= 1) return "";
  std::string out(static_cast<std::size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, text, -1, &out[0], n, nullptr, nullptr);
  out.resize(static_cast<std::size_t>(n - 1));
  return out;
}

std::string Utf8FromWide(const std::wstring& text) {
  return Utf8FromWide(text.c_str());
}

std::wstring WideFromUtf8(const std::string& text) {
  if (text.empty()) return L"";
  int n = MultiByteToWideChar(CP_UTF8, 0, text.c_str(), -1, nullptr, 0);
  if (n <= 1) return L"";
  std::wstring out(static_cast<std::size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text.c_str(), -1, &out[0], n);
  out.resize(static_cast<std::size_t>(n - 1));
  return out;
}

std::string WindowsErrorText(std::uint32_t code) {
  wchar_t* buffer = nullptr;
  DWORD n = FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
          FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, code, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US),
      reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  if (n == 0) {
    n = FormatMessageW(
        FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
            FORMAT_MESSAGE_IGNORE_INSERTS,
        nullptr, code, 0, reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  }
  std::string message = n > 0 ? Utf8FromWide(buffer) : "";
  if (buffer != nullptr) LocalFree(buffer);
  while (!message.empty() &&
         (message.back() == '\n' || message.back() == '\r' ||
          message.back() == ' ' || message.back() == '.')) {
    message.pop_back();
  }
  char code_text[32];
  std::snprintf(code_text, sizeof code_text,
                (code & 0x80000000u) ? "0x%08lX" : "%lu",
                static_cast<unsigned long>(code));
  if (message.empty()) return std::string("error ") + code_text;
  return message + " (error " + code_text + ")";
}

}  // namespace epx
