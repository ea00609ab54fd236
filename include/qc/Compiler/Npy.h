//===- Npy.h - reading NumPy .npy files --------------------------*- C++ -*-===//

#ifndef QC_COMPILER_NPY_H
#define QC_COMPILER_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace qc {

/// A dense row-major array read from a .npy file, converted to float32.
struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// Reads a version 1/2/3 .npy file of little-endian f4, f8, i1, u1, i4 or i8
/// values in C order. On failure returns false and says why in `error`.
bool readNpy(const std::string &path, NpyArray &out, std::string &error);

/// Writes a float32 .npy file (used by tests and tools).
bool writeNpy(const std::string &path, const std::vector<int64_t> &shape,
              const float *data, std::string &error);

} // namespace qc

#endif // QC_COMPILER_NPY_H
