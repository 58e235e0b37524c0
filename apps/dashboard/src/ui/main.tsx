import { createRoot } from "react-dom/client";

createRoot(document.getElementById("root")!).render(<main><h1>Faultline</h1></main>);
