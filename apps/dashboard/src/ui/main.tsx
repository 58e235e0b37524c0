// The dashboard's entry: take the session secret out of the address (kubeconfig mode), then render.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { adoptSessionFromAddress } from "./kube/session.js";
import "./styles.css";

const cleaned = adoptSessionFromAddress(window.location, sessionStorage);
if (cleaned !== undefined) history.replaceState(history.state, "", cleaned);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
