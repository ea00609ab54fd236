// oneDNN 2.6 int8 convolution for one layer shape: u8 NHWC source, s8
// weights in the layout oneDNN prefers (reordered once, outside the timing),
// s32 bias, per-channel output scales, u8 NHWC destination, optional ReLU.
// This is what an int8 inference engine built on oneDNN runs per layer.
//
//   onednn_conv N H W C O KH KW STRIDE PAD GROUPS RUNS
//
// Prints the median time of RUNS executions in microseconds and the
// implementation oneDNN picked (e.g. "brg:avx512_core_vnni"). The ISA can
// be limited with ONEDNN_MAX_CPU_ISA=AVX512_CORE_VNNI. One thread unless
// OMP_NUM_THREADS says otherwise.
#include "oneapi/dnnl/dnnl.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

using namespace dnnl;

int main(int argc, char **argv) {
  if (argc != 12) {
    std::fprintf(stderr, "usage: %s N H W C O KH KW STRIDE PAD GROUPS RUNS\n",
                 argv[0]);
    return 2;
  }
  long a[11];
  for (int i = 0; i < 11; ++i)
    a[i] = std::atol(argv[i + 1]);
  const long n = a[0], h = a[1], w = a[2], c = a[3], o = a[4], kh = a[5],
             kw = a[6], stride = a[7], pad = a[8], groups = a[9], runs = a[10];
  const long oh = (h + 2 * pad - kh) / stride + 1;
  const long ow = (w + 2 * pad - kw) / stride + 1;

  engine eng(engine::kind::cpu, 0);
  stream strm(eng);
  using dt = memory::data_type;
  using tag = memory::format_tag;
  memory::dims srcDims = {n, c, h, w}, dstDims = {n, o, oh, ow};
  memory::dims wDims = groups == 1
                           ? memory::dims{o, c, kh, kw}
                           : memory::dims{groups, o / groups, c / groups, kh, kw};
  auto srcMd = memory::desc(srcDims, dt::u8, tag::nhwc);
  auto dstMd = memory::desc(dstDims, dt::u8, tag::nhwc);
  auto wAny = memory::desc(wDims, dt::s8, tag::any);
  auto biasMd = memory::desc({o}, dt::s32, tag::x);

  primitive_attr attr;
  std::vector<float> scales(o);
  std::mt19937 rng(0);
  for (float &s : scales)
    s = 1.0f / 4096.0f * (1.0f + float(rng() % 100) / 100.0f);
  attr.set_output_scales(1 << 1, scales);
  post_ops ops;
  ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
  attr.set_post_ops(ops);

  auto desc = convolution_forward::desc(
      prop_kind::forward_inference, algorithm::convolution_direct, srcMd, wAny,
      biasMd, dstMd, {stride, stride}, {pad, pad}, {pad, pad});
  auto pd = convolution_forward::primitive_desc(desc, attr, eng);

  memory src(srcMd, eng), dst(dstMd, eng), bias(biasMd, eng);
  memory wPlain(memory::desc(wDims, dt::s8, groups == 1 ? tag::oihw : tag::goihw),
                eng);
  memory wOpt(pd.weights_desc(), eng);
  auto fill = [&](memory &m, int lo, int hi) {
    size_t bytes = m.get_desc().get_size();
    auto *p = static_cast<int8_t *>(m.get_data_handle());
    for (size_t i = 0; i < bytes; ++i)
      p[i] = static_cast<int8_t>(lo + int(rng() % unsigned(hi - lo + 1)));
  };
  fill(src, 0, 127);
  fill(wPlain, -127, 127);
  fill(bias, 0, 0);
  reorder(wPlain, wOpt).execute(strm, wPlain, wOpt);
  strm.wait();

  convolution_forward conv(pd);
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src},
                                          {DNNL_ARG_WEIGHTS, wOpt},
                                          {DNNL_ARG_BIAS, bias},
                                          {DNNL_ARG_DST, dst}};
  for (int i = 0; i < 3; ++i)
    conv.execute(strm, args);
  strm.wait();
  std::vector<double> us;
  for (long r = 0; r < runs; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    conv.execute(strm, args);
    strm.wait();
    auto t1 = std::chrono::steady_clock::now();
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::nth_element(us.begin(), us.begin() + us.size() / 2, us.end());
  std::printf("%.2f %s\n", us[us.size() / 2], pd.impl_info_str());
  return 0;
}
