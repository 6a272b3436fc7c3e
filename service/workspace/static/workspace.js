// kfd-tagger Arbeitsplatz: small progressive enhancements; every page also works without this file.
"use strict";
