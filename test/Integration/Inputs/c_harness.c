/* A C99 program using a qc-generated library through its header only: checks
 * the metadata functions and that model_run's predictions on the given samples
 * match the given labels. usage: c_harness samples.f32 labels.i32 count */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc != 4)
    return 2;
  int count = atoi(argv[3]);
  if (model_num_inputs() != MODEL_NUM_INPUTS || model_num_outputs() != MODEL_NUM_OUTPUTS)
    return 3;
  printf("input %s rank %d shape", model_input_name(0), model_input_rank(0));
  for (int d = 0; d < model_input_rank(0); ++d)
    printf(" %lld", (long long)model_input_shape(0)[d]);
  printf("\noutput %s rank %d\n", model_output_name(0), model_output_rank(0));
  if (model_input_name(MODEL_NUM_INPUTS) != NULL || model_input_rank(-1) != -1)
    return 4;
  if (model_run(NULL, NULL) == 0)
    return 5;

  static float x[MODEL_INPUT0_SIZE], y[MODEL_OUTPUT0_SIZE];
  FILE *fx = fopen(argv[1], "rb"), *fy = fopen(argv[2], "rb");
  if (!fx || !fy)
    return 6;
  int correct = 0;
  for (int s = 0; s < count; ++s) {
    int label;
    if (fread(x, sizeof(float), MODEL_INPUT0_SIZE, fx) != MODEL_INPUT0_SIZE ||
        fread(&label, sizeof(int), 1, fy) != 1)
      return 7;
    const float *inputs[] = {x};
    float *outputs[] = {y};
    if (model_run(inputs, outputs) != 0)
      return 8;
    int best = 0;
    for (int k = 1; k < MODEL_OUTPUT0_SIZE; ++k)
      if (y[k] > y[best])
        best = k;
    correct += best == label;
  }
  printf("correct %d of %d\n", correct, count);
  fclose(fx);
  fclose(fy);
  return 0;
}
