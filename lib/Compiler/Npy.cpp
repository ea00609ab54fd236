//===- Npy.cpp - reading NumPy .npy files ---------------------------------===//
//
// The format: magic "\x93NUMPY", version, header length, then a Python dict
// literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } and the
// raw data.
//
//===----------------------------------------------------------------------===//

#include "qc/Compiler/Npy.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace qc {

namespace {
/// The value text after `'key':` in the header dict.
std::string field(const std::string &header, const std::string &key) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos)
    return {};
  size_t colon = header.find(':', k);
  if (colon == std::string::npos)
    return {};
  size_t start = header.find_first_not_of(" ", colon + 1);
  if (start == std::string::npos)
    return {};
  if (header[start] == '(') {
    size_t end = header.find(')', start);
    return end == std::string::npos ? std::string()
                                    : header.substr(start, end - start + 1);
  }
  size_t end = header.find_first_of(",}", start);
  return header.substr(start, end - start);
}

template <typename T>
void convert(const std::vector<char> &raw, std::vector<float> &out) {
  size_t n = raw.size() / sizeof(T);
  out.resize(n);
  for (size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
    out[i] = static_cast<float>(v);
  }
}
} // namespace

bool readNpy(const std::string &path, NpyArray &out, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open file";
    return false;
  }
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    error = path + ": not a .npy file (bad magic)";
    return false;
  }
  uint32_t headerLen = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char *>(b), 2)) {
      error = path + ": truncated header";
      return false;
    }
    headerLen = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char *>(b), 4)) {
      error = path + ": truncated header";
      return false;
    }
    headerLen = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24);
  }
  if (headerLen > (1u << 20)) {
    error = path + ": header too large";
    return false;
  }
  std::string header(headerLen, '\0');
  if (!in.read(header.data(), headerLen)) {
    error = path + ": truncated header";
    return false;
  }
  std::string descr = field(header, "descr");
  std::string order = field(header, "fortran_order");
  std::string shape = field(header, "shape");
  if (descr.size() < 4 || shape.empty()) {
    error = path + ": malformed header '" + header + "'";
    return false;
  }
  if (order.find("True") != std::string::npos) {
    error = path + ": Fortran-ordered arrays are not supported (save with C order)";
    return false;
  }
  descr = descr.substr(1, descr.size() - 2); // strip quotes
  out.shape.clear();
  {
    std::string dims = shape.substr(1, shape.size() - 2);
    std::stringstream ss(dims);
    std::string item;
    while (std::getline(ss, item, ',')) {
      size_t p = item.find_first_not_of(" ");
      if (p == std::string::npos)
        continue;
      char *end = nullptr;
      long long v = std::strtoll(item.c_str() + p, &end, 10);
      if (v < 0) {
        error = path + ": negative dimension in shape " + shape;
        return false;
      }
      out.shape.push_back(v);
    }
  }
  int64_t count = 1;
  for (int64_t d : out.shape) {
    if (d != 0 && count > (int64_t(1) << 40) / d) {
      error = path + ": shape " + shape + " is too large";
      return false;
    }
    count *= d;
  }
  size_t width;
  char kind = descr.size() >= 2 ? descr[1] : '?';
  if (descr[0] == '>' ) {
    error = path + ": big-endian data ('" + descr + "') is not supported";
    return false;
  }
  width = std::strtoul(descr.c_str() + 2, nullptr, 10);
  std::vector<char> raw(count * width);
  if (!in.read(raw.data(), raw.size())) {
    error = path + ": file holds fewer values than its shape " + shape + " needs";
    return false;
  }
  if (kind == 'f' && width == 4)
    convert<float>(raw, out.data);
  else if (kind == 'f' && width == 8)
    convert<double>(raw, out.data);
  else if (kind == 'i' && width == 1)
    convert<int8_t>(raw, out.data);
  else if (kind == 'u' && width == 1)
    convert<uint8_t>(raw, out.data);
  else if (kind == 'i' && width == 4)
    convert<int32_t>(raw, out.data);
  else if (kind == 'i' && width == 8)
    convert<int64_t>(raw, out.data);
  else {
    error = path + ": unsupported dtype '" + descr + "'";
    return false;
  }
  return true;
}

bool writeNpy(const std::string &path, const std::vector<int64_t> &shape,
              const float *data, std::string &error) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  int64_t count = 1;
  for (int64_t d : shape) {
    dict += std::to_string(d) + ", ";
    count *= d;
  }
  dict += "), }";
  size_t total = 10 + dict.size() + 1;
  dict += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    error = path + ": cannot create file";
    return false;
  }
  out.write("\x93NUMPY\x01\x00", 8);
  unsigned char len[2] = {static_cast<unsigned char>(dict.size() & 0xff),
                          static_cast<unsigned char>(dict.size() >> 8)};
  out.write(reinterpret_cast<char *>(len), 2);
  out << dict;
  out.write(reinterpret_cast<const char *>(data), count * sizeof(float));
  return static_cast<bool>(out);
}

} // namespace qc
