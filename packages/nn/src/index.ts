// @timbre/nn: layers, losses and optimisers with hand-written backward passes, matching PyTorch.
export { Module, Parameter, BufferSlots, manualSeed, defaultRng, type ModuleConfig } from './module.js';
export { Linear, type LinearOptions } from './linear.js';
export { ReLU, LeakyReLU, Tanh, Sigmoid, GELU, type GELUApproximate } from './activation.js';
export { Dropout } from './dropout.js';
export { BatchNorm1d, type BatchNorm1dOptions } from './batchnorm.js';
export { Sequential } from './sequential.js';
export { ModuleList, ModuleDict } from './containers.js';
export { CrossEntropyLoss, MSELoss, type CrossEntropyLossOptions, type Reduction } from './loss.js';
export { Optimizer, SGD, Adam, AdamW, type SGDOptions, type AdamOptions, type OptimizerState } from './optim.js';
export { DataLoader, type Batch, type DataLoaderOptions } from './data.js';
export { gradcheck, numericalGradient, maxRelError, type GradcheckResult } from './gradcheck.js';
export {
  LRScheduler,
  StepLR,
  CosineAnnealingLR,
  LinearLR,
  SequentialLR,
  ReduceLROnPlateau,
  clipGradNorm,
  type ReduceLROnPlateauOptions,
  type SequentialLROptions,
  type SchedulerState,
} from './lr-scheduler.js';
export { EarlyStopping } from './early-stopping.js';
export { fit, type FitOptions, type FitLoss, type FitEarlyStopping, type EpochLog, type History } from './fit.js';
export { REUSE, type CallOptions } from './module.js';
export {
  encodeSafetensors,
  decodeSafetensors,
  saveSafetensors,
  loadSafetensors,
  type SafetensorsContents,
} from './safetensors.js';
export {
  checkSafetensorsHeader,
  checkArchitecture,
  checkFiniteTensors,
  architectureShapes,
  parseArchitecture,
  SAFETENSORS_DTYPE_BYTES,
  type ShapedEntry,
} from './safetensors-check.js';
export { DataParallel, type DataParallelOptions } from './data-parallel.js';
export { buildModule, registerModule, saveModel, loadModel, saveOptimizer, loadOptimizer } from './serialize.js';
export { writeFileAtomic, withAtomicFile, commitTempFile, tempPathFor, type AtomicWriteOptions } from './atomic.js';
