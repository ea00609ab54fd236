// Times an ONNX model with ONNX Runtime (npm onnxruntime-node, CPU, one
// intra-op thread, all graph optimizations: QDQ models run as QLinear int8
// kernels). Input: random normal floats of the model's first input.
//
//   node bench/ort_time.js MODEL.onnx RUNS [THREADS]
//
// Prints the median time of one run in microseconds.
const ort = require('onnxruntime-node');

async function main() {
  const [model, runsArg, threadsArg] = process.argv.slice(2);
  const runs = parseInt(runsArg || '20', 10);
  const threads = parseInt(threadsArg || '1', 10);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const name = session.inputNames[0];
  const meta = session.inputMetadata ? session.inputMetadata[0] : null;
  const dims = meta && meta.shape ? meta.shape.map((d) => (typeof d === 'number' ? d : 1))
                                  : [1, 3, 224, 224];
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; ++i) data[i] = Math.random() * 2 - 1;
  const feeds = {[name]: new ort.Tensor('float32', data, dims)};
  for (let i = 0; i < 3; ++i) await session.run(feeds);
  const t = [];
  for (let i = 0; i < runs; ++i) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    t.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  t.sort((a, b) => a - b);
  console.log(t[Math.floor(t.length / 2)].toFixed(2));
}

main().catch((e) => {
  console.error('ort_time: ' + e.message);
  process.exit(1);
});
