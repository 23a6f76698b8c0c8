// Camera scanning on phones: the browser's BarcodeDetector reads EAN/UPC codes from the
// camera and sends each one like a scanner would. Where the browser has no detector the
// button stays hidden; a USB or Bluetooth scanner types into the field either way.
(function () {
  const button = document.getElementById("camera-scan");
  const video = document.getElementById("camera");
  const form = document.getElementById("scan-form");
  if (!button || !video || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  button.hidden = false;
  let stream = null;
  let last = "";
  let lastAt = 0;

  async function stop() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.hidden = true;
    button.textContent = "Scan with the camera";
  }

  async function run() {
    const detector = new window.BarcodeDetector({
      formats: ["ean_13", "ean_8", "upc_a", "upc_e", "code_128"],
    });
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    button.textContent = "Stop the camera";
    while (stream) {
      try {
        const codes = await detector.detect(video);
        const now = Date.now();
        if (codes.length && (codes[0].rawValue !== last || now - lastAt > 1500)) {
          last = codes[0].rawValue;
          lastAt = now;
          form.querySelector("input[name=code]").value = last;
          form.requestSubmit();
        }
      } catch (error) {
        /* a frame that cannot be read: try the next one */
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  button.addEventListener("click", () => {
    if (stream) {
      stop();
    } else {
      run().catch(stop);
    }
  });
})();
