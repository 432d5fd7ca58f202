// 0.8321 -> "83.2%"
export function formatPercent(confidence: number): string {
  return `${(confidence * 100).toFixed(1)}%`
}
