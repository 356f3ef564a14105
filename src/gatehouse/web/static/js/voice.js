// Voice input where the browser has speech recognition (feature-detected); text always works.

export function voiceInput(button, onText) {
  const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  if (!Recognition || !button) return;
  button.hidden = false;
  let listening = null;
  button.addEventListener("click", () => {
    if (listening) return listening.stop();
    listening = new Recognition();
    listening.lang = navigator.language || "en-US";
    listening.interimResults = false;
    listening.maxAlternatives = 1;
    button.classList.add("listening");
    listening.addEventListener("result", (event) => onText(event.results[0][0].transcript));
    listening.addEventListener("end", () => {
      button.classList.remove("listening");
      listening = null;
    });
    listening.start();
  });
}
