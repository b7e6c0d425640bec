/** Render text as a terminal QR code (qrcode-terminal, half-block "small" mode: ~39×20 for our links). */
export async function renderQr(text: string): Promise<string> {
  const {default: qrcode} = await import('qrcode-terminal')
  return new Promise((resolve) => {
    qrcode.generate(text, {small: true}, (rendered: string) => resolve(rendered))
  })
}
