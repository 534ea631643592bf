/**
 * Reading QR codes in the wallet: from the camera (getUserMedia, a frame every 200 ms through jsQR),
 * from an image file (a photo or a screenshot of the counter's code), or from pasted text.
 */
import jsQR from "jsqr";

function decodeImageData(data: ImageData): string | undefined {
  return jsQR(data.data, data.width, data.height, { inversionAttempts: "attemptBoth" })?.data;
}

function drawToCanvas(source: CanvasImageSource, width: number, height: number): ImageData {
  const canvas = document.createElement("canvas");
  // Large photos are scaled down: jsQR is quadratic-ish and a QR code needs far fewer pixels.
  const scale = Math.min(1, 1200 / Math.max(width, height));
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

export async function decodeQrFromFile(file: Blob): Promise<string | undefined> {
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error("not an image"));
      img.src = url;
    });
    return decodeImageData(drawToCanvas(img, img.naturalWidth, img.naturalHeight));
  } finally {
    URL.revokeObjectURL(url);
  }
}

export interface CameraScan {
  stop(): void;
}

/** Starts the back camera in `video`; calls onResult once with the first code read, then stops. */
export async function scanWithCamera(video: HTMLVideoElement, onResult: (text: string) => void): Promise<CameraScan> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  video.srcObject = stream;
  video.setAttribute("playsinline", "");
  await video.play();
  let stopped = false;
  const stop = () => {
    stopped = true;
    stream.getTracks().forEach((t) => t.stop());
    video.srcObject = null;
  };
  const tick = () => {
    if (stopped) return;
    if (video.readyState >= 2 && video.videoWidth > 0) {
      const text = decodeImageData(drawToCanvas(video, video.videoWidth, video.videoHeight));
      if (text) {
        stop();
        onResult(text);
        return;
      }
    }
    setTimeout(tick, 200);
  };
  tick();
  return { stop };
}

/** The request id in a scanned or pasted text: a wallet URL with ?r=<id>, or the bare id. */
export function requestIdFrom(text: string): string | undefined {
  const trimmed = text.trim();
  if (/^[A-Za-z0-9_-]{22}$/.test(trimmed)) return trimmed;
  try {
    const u = new URL(trimmed);
    const r = u.searchParams.get("r");
    return r && /^[A-Za-z0-9_-]{22}$/.test(r) ? r : undefined;
  } catch {
    return undefined;
  }
}
