/* nanocim: the reference simulator for memory-centric AI hardware. The umbrella header: include
 * this one to use the whole library (link with `pkg-config --cflags --libs nanocim`).
 *
 * Modules, from the bottom up (docs/c-api.md gives the conventions they share):
 *   error.h     status codes and one-line messages     config.h    version, build, threads
 *   progress.h  progress callbacks and cancellation    rng.h       counter-based random streams
 *   dataset.h   IDX and CIFAR-10 datasets, arrays      metrics.h   accuracy, confusion matrix
 *   bnn.h       binarized networks: architectures, training state, epochs, checkpoints
 *   model.h     folded networks and the model file     npz.h       NumPy .npz interchange
 *   xnor.h      bit-packed XNOR-popcount kernels       packed.h    whole networks on packed bits
 *   train.h     a whole training run                   eval.h      evaluating a model
 *   rram.h      HfO2 RRAM devices, cells, sensing      rram_fit.h  calibration to measurements
 *   ecc.h       SECDED codes                           storage.h   cells and codes as storage
 *   stno.h      spin-torque nano-oscillators and their networks
 *   chip.h      the in-memory chip: fault injection, Monte Carlo over chips */
#ifndef NANOCIM_NANOCIM_H
#define NANOCIM_NANOCIM_H

#include "nanocim/api.h"
#include "nanocim/error.h"
#include "nanocim/config.h"
#include "nanocim/progress.h"
#include "nanocim/rng.h"
#include "nanocim/dataset.h"
#include "nanocim/metrics.h"
#include "nanocim/bnn.h"
#include "nanocim/model.h"
#include "nanocim/npz.h"
#include "nanocim/xnor.h"
#include "nanocim/packed.h"
#include "nanocim/train.h"
#include "nanocim/eval.h"
#include "nanocim/rram.h"
#include "nanocim/rram_fit.h"
#include "nanocim/ecc.h"
#include "nanocim/storage.h"
#include "nanocim/stno.h"
#include "nanocim/chip.h"
#include "nanocim/sweep.h"
#include "nanocim/cost.h"
#include "nanocim/vowel.h"

#endif
