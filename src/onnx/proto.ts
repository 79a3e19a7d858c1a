/** The ONNX protobuf schema (onnx-proto, generated from the official onnx.proto) and data-type codes. */
import onnxProto from 'onnx-proto';
import type { DType } from '../graph/tensor.js';

export const onnx = onnxProto.onnx;
export type ModelProto = onnxProto.onnx.ModelProto;

/** TensorProto.DataType code <-> bnngen dtype, for the types bnngen reads. */
const CODES: ReadonlyArray<[number, DType]> = [
  [1, 'float32'],
  [2, 'uint8'],
  [3, 'int8'],
  [4, 'uint16'],
  [5, 'int16'],
  [6, 'int32'],
  [7, 'int64'],
  [9, 'bool'],
  [10, 'float16'],
  [11, 'float64'],
  [12, 'uint32'],
  [13, 'uint64'],
];

export function dtypeFromCode(code: number): DType | undefined {
  return CODES.find(([c]) => c === code)?.[1];
}

export function codeFromDtype(dtype: DType): number {
  const hit = CODES.find(([, d]) => d === dtype);
  if (!hit) throw new Error(`no ONNX code for ${dtype}`);
  return hit[0];
}
