import { createRoot } from "react-dom/client";
import { Console } from "./Console.js";
import "./styles.css";

createRoot(document.getElementById("root")!).render(<Console />);
